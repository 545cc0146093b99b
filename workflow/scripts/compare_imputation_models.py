"""Rule compare_imputation_models: coverage and width of the 90% intervals of every model under
every validation scheme, side by side."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals(), "compare_imputation_models")

import pandas as pd  # noqa: E402

from online_csa.common.tables import write_table  # noqa: E402
from online_csa.models.imputation_validation import coverage_summary  # noqa: E402

inp, out = snakemake.input, snakemake.output
cell_checks = pd.concat([pd.read_csv(inp.cell_checks), pd.read_csv(inp.one_out_checks)], ignore_index=True)
write_table(coverage_summary(pd.read_csv(inp.total_checks), cell_checks), out.summary)
