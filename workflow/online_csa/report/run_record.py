"""What a run was built from: configuration, seeds, package versions and source checksums,
recorded in the report so a reader can rebuild the same bytes."""
from __future__ import annotations

import platform
from importlib import metadata

# The packages whose versions decide the numbers and the figures (the pins in requirements.txt).
KEY_PACKAGES = ("snakemake", "pandas", "numpy", "scipy", "statsmodels", "matplotlib", "seaborn", "jsonschema",
                "nbconvert", "nbformat", "papermill", "jupytext", "typst")


def package_versions(packages=KEY_PACKAGES) -> list[dict]:
    rows = [{"package": "python", "version": platform.python_version()}]
    for name in packages:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "not installed"
        rows.append({"package": name, "version": version})
    return rows


def seeds(config: dict, scenarios: dict | None = None) -> list[dict]:
    """Every seed in the configuration, with where it is used; `scenarios` maps each scenario's
    name to its definition (results/run/effective_scenarios.yaml)."""
    rows = [
        {"stage": "imputation (models.imputation.seed)", "seed": config["models"]["imputation"]["seed"],
         "draws": config["models"]["imputation"]["draws"]},
        {"stage": "validation (models.validation.seed)", "seed": config["models"]["validation"]["seed"],
         "draws": config["models"]["validation"]["total_draws"]},
        {"stage": "sensitivity, baseline (monte_carlo.seed)", "seed": config["monte_carlo"]["seed"],
         "draws": config["monte_carlo"]["draws"]},
    ]
    for name, scenario in (scenarios or {}).items():
        if name != "baseline":
            rows.append({"stage": f"sensitivity, scenario {name}", "seed": scenario["monte_carlo"]["seed"],
                         "draws": scenario["monte_carlo"]["draws"]})
    return rows

