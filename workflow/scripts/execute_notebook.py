"""Rules notebook_*: execute one chapter notebook (input `chapter`) in this process and write the
executed copy, which the reports stitch together. The notebook reads its job from the
`snakemake` object, as under Snakemake's notebook: directive."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals())  # several rules run this script (by hand, --rule picks one)

from online_csa.rule_support.notebook_execution import execute_notebook  # noqa: E402

execute_notebook(snakemake.input.chapter, snakemake.output.notebook, {"snakemake": snakemake})
