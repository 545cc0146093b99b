# Paths and helpers shared by the rules. Config values reach scripts only through params.

ENV = "../../environment.yml"
TABLES = "results/tables"
INTERIM = "results/interim"
FIGURES = "results/figures"
LOGS = "results/logs"

SERIES_NAMES = [s["name"] for s in config["series"]]
SERIES_LABELS = {s["name"]: s["label"] for s in config["series"]}


import sys

sys.path.insert(0, f"{workflow.basedir}/workflow")
from online_csa.code_dependencies import package_files  # noqa: E402


def code(entry):
    """The package modules a rule's script or notebook (its paired .py) imports, as inputs."""
    return package_files(entry, "workflow/online_csa")
