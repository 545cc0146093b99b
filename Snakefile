# Online child sexual offences in the UK: from the NSPCC's FOI figures to checked claims.
#
# Stages (one rules file each): raw data -> cleaning -> claims -> models -> sensitivity
# -> figures (each chapter's, drawn in the chapter's job) -> report.
# Run it with ./run_pipeline.sh (sets up .venv first) or .venv/bin/snakemake (no venv to activate);
# the default profile (profiles/default/) sets cores and other runtime options.
import os
import sys

from snakemake.utils import min_version

min_version("9.27")
sys.path.insert(0, f"{workflow.basedir}/workflow")

# A run imports the libraries once, in a server its script jobs hand themselves over to
# (online_csa.rule_support.job_server), started first so that it imports while Snakemake parses the
# rules and builds the DAG; a job submitted to a cluster, or run by Snakemake in a process of its
# own, starts its own Python as before.
from snakemake.settings.types import ExecMode  # noqa: E402
from online_csa.rule_support import job_server  # noqa: E402
from online_csa.rule_support.code_dependencies import modules_imported_at_load  # noqa: E402
from online_csa.rule_support.snakemake_exit import cancel_waiting_timers  # noqa: E402

JOB_SERVER = (
    job_server.start(os.getcwd(), log=".snakemake/job_server.log")
    if workflow.exec_mode == ExecMode.DEFAULT and job_server.wanted(sys.argv)
    else None
)


from online_csa.configuration.validation import check_config  # noqa: E402

# No PATH set up here: Snakemake runs every `script:` job, chapters included, with the Python running it
# (sys.executable), and a cluster job starts that same Python, so `.venv/bin/snakemake` needs no venv activated.


from online_csa.rule_support.snakemake_start_up import (  # noqa: E402
    import_nbformat_lazily,
    serialise_params_without_importing_pandas,
)

serialise_params_without_importing_pandas()
import_nbformat_lazily()


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
include: "workflow/rules/crate.smk"
include: "workflow/rules/run_record.smk"
include: "workflow/rules/jobs.smk"


onstart:
    if not workflow.local_exec:
        job_server.stop(JOB_SERVER)
    elif JOB_SERVER is not None:
        jobs_files = map(job_server.files_loaded_by, workflow.dag.needrun_jobs())
        job_server.send_plan(JOB_SERVER, modules_imported_at_load(jobs_files, job_server.LATE_MODULES))


# The scheduling is over: the run ends now, not when Snakemake's last rescheduling timer fires (snakemake_exit).
onsuccess:
    job_server.stop(JOB_SERVER)
    cancel_waiting_timers()


onerror:
    job_server.stop(JOB_SERVER)
    cancel_waiting_timers()


# On a cluster (profiles/slurm, profiles/kubernetes) these run on the submit host: seconds of work each, which a
# queue and a job's start-up would only slow down.
localrules:
    describe_jobs,
    record_configuration,
    stamp_run,
    notebook_data_and_provenance,
    notebook_cleaning,
    notebook_claims,
    notebook_models,
    notebook_sensitivity,
    notebook_scenarios,
    notebook_provenance,
    vega_embed_bundle,
    assumptions_explorer,
    render_report,
    render_pdf,
    ro_crate,


rule all:
    """The whole pipeline: both reports, and every job described so that it can run by hand."""
    default_target: True
    input:
        "results/report/report.html",
        "results/report/report.pdf",
        rules.describe_jobs.output,
        rules.ro_crate.output,
