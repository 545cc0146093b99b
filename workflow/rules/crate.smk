# The run as a Workflow Run RO-Crate (online_csa.report.run_crate): raw inputs with their sha256,
# the configuration as run, every table, figure and report, the workflow's code, the software
# versions and the rule graph, in one zip to deposit on Zenodo or WorkflowHub (README). Included
# after the rules whose outputs it packages (every stage's), before jobs.smk, which describes it.

import csv  # noqa: E402
from glob import glob  # noqa: E402

from online_csa.rule_support.rule_outputs import rule_outputs  # noqa: E402

CRATE_OUTPUT_SUFFIXES = (".csv", ".png", ".html", ".pdf")  # tables, figures and reports

# The raw inputs: the registry and every file it registers (the ledger's README among them).
with open(config["raw_data"]["registry"], newline="") as _registry:
    CRATE_RAW = [config["raw_data"]["registry"]] + [row["file"] for row in csv.DictReader(_registry)]
CRATE_CODE = sorted(
    glob("workflow/rules/*.smk")
    + glob("workflow/scripts/*.py")
    + glob("workflow/online_csa/**/*.py", recursive=True)
    + glob("workflow/schemas/*.yaml")
    + glob("workflow/report/*.rst")
    + glob("notebooks/*.py")
    + ["environment.yml", "requirements.txt", "profiles/default/config.yaml"]
)
CRATE_CONFIGURATION = sorted(
    ["config/config.yaml", config["cleaning"]["corrections"], config["claims"]["geographies"]]
    + glob(f"{config['scenarios']['directory']}/*.yaml")
)
CRATE_DOCUMENTATION = [
    "README.md",
    "CITATION.cff",
    "LICENSE",
    "data/TERMS.md",
    "docs/rulegraph.svg",
    "docs/configuration.md",
]


rule ro_crate:
    """The run as a Workflow Run RO-Crate (a zip): inputs with checksums, configuration as run, outputs, code, versions."""
    input:
        code=code("workflow/scripts/write_ro_crate.py"),
        workflow="Snakefile",
        workflow_code=CRATE_CODE,
        raw=CRATE_RAW,
        configuration=CRATE_CONFIGURATION,
        documentation=CRATE_DOCUMENTATION,
        outputs=rule_outputs(
            list(workflow.rules),
            CRATE_OUTPUT_SUFFIXES,
            {"scenario": list(SCENARIOS)},
            workflow.storage_settings.default_storage_prefix,
        ),
    output:
        crate="results/report/ro-crate.zip",
    log:
        f"{LOGS}/ro_crate.log",
    conda:
        ENV
    params:
        config=config,
        scenarios=[
            {"name": s.name, "assumptions": s.assumptions, "monte_carlo": s.monte_carlo} for s in SCENARIOS.values()
        ],
        title=config["report"]["title"],
    script:
        "../scripts/write_ro_crate.py"
