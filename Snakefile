# Online child sexual offences in the UK: from the NSPCC's FOI figures to checked claims.
#
# Stages (one rules file each): raw data -> cleaning -> claims -> models -> sensitivity
# -> figures -> report.
# Run it with ./run_pipeline.sh (sets up .venv first) or `snakemake` inside the venv;
# the default profile (profiles/default/) sets cores and other runtime options.
import sys

from snakemake.utils import min_version

min_version("9.27")
sys.path.insert(0, f"{workflow.basedir}/workflow")
from online_csa.configuration.validation import check_config  # noqa: E402


configfile: "config/config.yaml"


CONFIG_SCHEMA = "workflow/schemas/config.schema.yaml"


# Before any job: text from --config becomes numbers, defaults fill in, and every bad key is
# named (unknown keys, wrong types, probabilities outside 0..1, a low above its high).
config.update(check_config(config, CONFIG_SCHEMA, source="the configuration"))


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/raw_data.smk"
include: "workflow/rules/cleaning.smk"
include: "workflow/rules/claims.smk"
include: "workflow/rules/models.smk"
include: "workflow/rules/sensitivity.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/jobs.smk"


rule all:
    """The whole pipeline: both reports, and every job described so that it can run by hand."""
    default_target: True
    input:
        "results/report/report.html",
        "results/report/report.pdf",
        rules.describe_jobs.output,
