"""Rule compare_scenarios: the named scenarios side by side on the headline metrics."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals(), "compare_scenarios")

from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

from online_csa.sensitivity.scenario_comparison import compare_claim_support, compare_metrics  # noqa: E402
from online_csa.common.tables import write_table  # noqa: E402

inp, par, out = snakemake.input, snakemake.params, snakemake.output


def by_scenario(paths):
    """{scenario name: table}, the name being the folder results/scenarios/<name>/."""
    return {Path(path).parent.name: pd.read_csv(path) for path in paths}


write_table(compare_metrics(by_scenario(inp.sensitivity), par.scenarios, par.headline_metrics), out.comparison)
write_table(compare_claim_support(by_scenario(inp.claim_support), par.scenarios), out.claim_support)
