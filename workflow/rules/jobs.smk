# Every job described so that it runs without Snakemake (online_csa.rule_support.pipeline_job
# reads the descriptions): a chapter notebook in Jupyter, a rule script by hand or in a
# debugger. Included last: it describes the rules defined before it.

from online_csa.rule_support.job_descriptions import describe_jobs, notebook_entry

# Every rule defined so far: all but describe_jobs, which writes the descriptions
DESCRIBED_RULES = list(workflow.rules)
# The values each wildcard takes: one job is described per value
WILDCARD_VALUES = {"scenario": list(SCENARIOS)}


rule describe_jobs:
    """Every notebook's and script's job (input, output, params, log, wildcards) as this run gives it, so that
    each runs without Snakemake: a notebook in Jupyter, a script by hand (README: running a script by hand)."""
    input:
        code=code("workflow/scripts/describe_jobs.py"),
    output:
        notebooks=f"{NOTEBOOKS}/jobs.json",
        scripts="results/scripts/jobs.json",
    log:
        f"{LOGS}/describe_jobs.log",
    priority: 1  # on the chain the reports wait for: first when a core frees up
    conda:
        ENV
    params:
        notebooks={
            key: notebook_entry(job)
            for key, job in describe_jobs(DESCRIBED_RULES, "notebook", workflow.basedir, WILDCARD_VALUES).items()
        },
        scripts=describe_jobs(DESCRIBED_RULES, "script", workflow.basedir, WILDCARD_VALUES),
    script:
        "../scripts/describe_jobs.py"
