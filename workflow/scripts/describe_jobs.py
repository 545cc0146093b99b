"""Rule describe_jobs: write each job description (one file per output, its content the param of
the same name) that online_csa.rule_support.pipeline_job reads when a notebook or a script runs
without Snakemake. Not run by hand: it is what writes the descriptions."""
import json

from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals(), "describe_jobs")

# keys in the pipeline's order, not sorted: the order of a dict param can matter (the order of
# series in a figure, of assumptions in a table), and a job run by hand must see the same
for name, path in snakemake.output.items():
    with open(path, "w") as handle:
        json.dump(snakemake.params[name], handle, indent=1)
        handle.write("\n")
