"""Rule describe_notebook_jobs: write each chapter's inputs and params to jobs.json, which
online_csa.rule_support.pipeline_job reads when a student runs a notebook in Jupyter."""
import json

from online_csa.rule_support.script_logging import redirect_stderr

redirect_stderr(snakemake)  # noqa: F821

with open(snakemake.output.jobs, "w") as handle:  # noqa: F821
    json.dump(snakemake.params.jobs, handle, indent=1, sort_keys=True)  # noqa: F821
    handle.write("\n")
