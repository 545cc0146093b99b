# Online child sexual offences in the UK: from the NSPCC's FOI figures to checked claims.
#
# Stages (one rules file each): raw data -> cleaning -> claims -> models -> sensitivity
# -> figures -> report.
# Run it with ./run_pipeline.sh (sets up .venv first) or `snakemake` inside the venv;
# the default profile (profiles/default/) sets cores and other runtime options.
from snakemake.utils import min_version, validate

min_version("9.27")


configfile: "config/config.yaml"


validate(config, "workflow/schemas/config.schema.yaml")

report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/raw_data.smk"
include: "workflow/rules/cleaning.smk"
include: "workflow/rules/claims.smk"
include: "workflow/rules/models.smk"
include: "workflow/rules/sensitivity.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"


rule all:
    input:
        "results/report/report.html",
    default_target: True
