"""Rule fit_flag_propensity: model the flagged share of all child sexual offences and decompose growth."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals(), "fit_flag_propensity")

import pandas as pd  # noqa: E402

from online_csa.models.flag_propensity import decompose_growth, fit_flag_share, paired_cells  # noqa: E402
from online_csa.common.tables import read_table, write_table  # noqa: E402

inp, par, out = snakemake.input, snakemake.params, snakemake.output
pairs, quarantined = paired_cells(read_table(inp.panel, "panel"), par.flagged_series, par.all_series)
shares, info = fit_flag_share(pairs)
write_table(shares.assign(quasi_likelihood_scale=info["scale"]), out.shares)
write_table(pd.DataFrame([decompose_growth(pairs, a, b) for a, b in par.decompositions]), out.decomposition)
write_table(pairs.drop(columns="year"), out.pairs)
write_table(quarantined, out.quarantined)
