# Paths and helpers shared by the rules. Config values reach scripts only through params.

ENV = "../../environment.yml"
TABLES = "results/tables"
INTERIM = "results/interim"
FIGURES = "results/figures"
LOGS = "results/logs"

SERIES_NAMES = [s["name"] for s in config["series"]]
SERIES_LABELS = {s["name"]: s["label"] for s in config["series"]}


def package(*modules):
    """Source files of the online_csa package a rule imports. Listing them as inputs makes a
    change to the package rerun exactly the rules that use the changed module (Snakemake
    itself only tracks the rule's own script)."""
    return [f"workflow/online_csa/{m}.py" for m in ("__init__", "script_logging", *modules)]


CLEANING_CODE = package("cleaning", "fiscal_years", "forces", "ledger", "measures", "panel", "routing", "schemas",
                        "claims", "geographies", "tables")
CLAIMS_CODE = package("claims", "headline_checks", "geographies", "forces", "ledger", "measures", "fiscal_years",
                      "panel", "schemas", "routing", "tables")
FIGURE_CODE = package("figures", "tables")
NOTEBOOK_CODE = package("narrative", "tables")
