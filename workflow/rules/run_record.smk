# What this run was built with: the effective configuration (merged, validated, every scenario
# resolved), what it changed from config/config.yaml, and the stamp (commit, dirty flag,
# configuration hash, package versions). Both rules depend on params only, so a changed
# configuration reruns them; the Snakefile stops a run whose results/ were built with another
# configuration that Snakemake holds no record of (online_csa.configuration.effective).

from online_csa.configuration.effective import check_results_match, config_hash, scenario_definitions  # noqa: E402
from online_csa.report.run_stamp import git_state  # noqa: E402

SCENARIO_DEFINITIONS = scenario_definitions(SCENARIOS)
CONFIG_HASH = config_hash(dict(config), SCENARIO_DEFINITIONS)
GIT = git_state(workflow.basedir)

# Before any job (this file is parsed before jobs.smk, and no job starts before parsing ends):
# results/ built with another configuration, without .snakemake/ to say which
# outputs are stale, stops here naming the keys. Only the main Snakemake process checks (a cluster
# job's process starts while the run rewrites results/run/); --forceall rebuilds everything instead.
# The DAG settings are not known while the workflow is parsed, hence the command line.
if workflow.is_main_process:
    check_results_match(dict(config), SCENARIO_DEFINITIONS, forced=bool({"--forceall", "-F"} & set(sys.argv)))


rule record_configuration:
    """The configuration this run used, every scenario resolved, and what differs from config/config.yaml."""
    input:
        code=code("workflow/scripts/record_configuration.py"),
        defaults="config/config.yaml",
    output:
        config=report(EFFECTIVE_CONFIG, caption="../report/effective_config.rst", category="8. This run"),
        scenarios=report(EFFECTIVE_SCENARIOS, caption="../report/effective_config.rst", category="8. This run"),
        changes=report(f"{RUN}/config_changes.csv", caption="../report/config_changes.rst", category="8. This run"),
    log:
        f"{LOGS}/record_configuration.log",
    priority: 1  # on the chain the reports wait for: first when a core frees up
    conda:
        ENV
    params:
        config=dict(config),
        scenarios=SCENARIO_DEFINITIONS,
        schema=CONFIG_SCHEMA,
    script:
        "../scripts/record_configuration.py"


rule stamp_run:
    """Which run this is: commit, dirty flag, configuration hash and the installed versions of the pinned packages."""
    input:
        code=code("workflow/scripts/stamp_run.py"),
        config=rules.record_configuration.output.config,
        requirements="requirements.txt",
    output:
        stamp=report(f"{RUN}/run_stamp.json", caption="../report/run_stamp.rst", category="8. This run"),
    log:
        f"{LOGS}/stamp_run.log",
    priority: 1  # on the chain the reports wait for: first when a core frees up
    conda:
        ENV
    params:
        commit=GIT["commit"],
        dirty=GIT["dirty"],
        config_hash=CONFIG_HASH,
    script:
        "../scripts/stamp_run.py"
