# Paths and helpers shared by the rules. Config values reach scripts only through params.

ENV = "../../environment.yml"
TABLES = "results/tables"
INTERIM = "results/interim"
FIGURES = "results/figures"
LOGS = "results/logs"

SERIES_NAMES = [s["name"] for s in config["series"]]
SERIES_LABELS = {s["name"]: s["label"] for s in config["series"]}
