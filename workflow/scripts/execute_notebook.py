"""Rules notebook_*: draw the chapter's figures (those its `draw` param names, if any), then execute the
chapter notebook (input `chapter`) in this process and write the executed copy, which the reports stitch
together. The notebook reads its job from the `snakemake` object, as under Snakemake's notebook:
directive."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals())  # several rules run this script (by hand, --rule picks one)

from online_csa.rule_support.notebook_execution import execute_notebook  # noqa: E402

if "draw" in snakemake.params.keys():
    from online_csa.figures.drawing import draw_job_figures  # only chapters with figures pay for matplotlib

    draw_job_figures(snakemake.input, snakemake.output, snakemake.params)
execute_notebook(snakemake.input.chapter, snakemake.output.notebook, {"snakemake": snakemake})
