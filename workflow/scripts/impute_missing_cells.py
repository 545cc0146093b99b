"""Rule impute_missing_cells: fit the NB count model per series, impute missing force-years under
the ledger's constraints, and summarise cells and geography totals."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals(), "impute_missing_cells")

import pandas as pd  # noqa: E402

from online_csa.models import imputation  # noqa: E402
from online_csa.common.geographies import GeographyMap  # noqa: E402
from online_csa.models.model_panel import model_frame  # noqa: E402
from online_csa.models.negative_binomial import coefficient_table, fit_negative_binomial  # noqa: E402
from online_csa.common.tables import read_table, write_table  # noqa: E402

inp, par, out = snakemake.input, snakemake.params, snakemake.output  # noqa: F821
panel = read_table(inp.panel, "panel")
claim_records = read_table(inp.claim_records, "claim_records")
geographies = GeographyMap.from_files(inp.geographies, inp.police_forces)
forces = list(geographies.geographies[par.geography].forces)
summary_geographies = {gid: geographies.geographies[gid].forces for gid in par.summary_geographies}

coefficients, cells, totals, draws, constraints = [], [], [], [], []
for series in par.series:
    frame = model_frame(panel, series, forces)
    fit = fit_negative_binomial(frame[frame["observed"]], design="year_effects", alpha_method=par.alpha_method)
    coefficients.append(coefficient_table(fit, series))
    rules = (imputation.cumulative_constraints(claim_records, series, forces)
             + imputation.national_constraints(claim_records, par.national_constraints.get(series, []), geographies,
                                               forces))
    imputed = imputation.impute_missing_cells(frame, fit, rules, par.draws, par.seed)
    cells.append(imputation.force_year_estimates(imputed))
    national, national_draws = imputation.national_totals(imputed, summary_geographies)
    totals.append(national)
    draws.append(national_draws)
    if len(imputed.constraints):
        constraints.append(imputed.constraints.assign(series=series))

write_table(pd.concat(coefficients, ignore_index=True), out.coefficients)
write_table(pd.concat(cells, ignore_index=True), out.force_year_estimates)
write_table(pd.concat(totals, ignore_index=True), out.national_estimates)
write_table(pd.concat(constraints, ignore_index=True) if constraints else pd.DataFrame(), out.constraints)
pd.concat(draws, axis=1).to_csv(out.national_draws, index=False, lineterminator="\n", float_format="%.4f")
