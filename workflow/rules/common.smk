# Paths and helpers shared by the rules. Config values reach scripts only through params.

ENV = "../../environment.yml"
TABLES = "results/tables"
INTERIM = "results/interim"
FIGURES = "results/figures"
LOGS = "results/logs"
RUN = "results/run"  # what the run was built with (run_record.smk)

SERIES_NAMES = [s["name"] for s in config["series"]]
SERIES_LABELS = {s["name"]: s["label"] for s in config["series"]}


from online_csa.rule_support.code_dependencies import package_files  # noqa: E402
from online_csa.configuration.scenarios import BASELINE, load_scenarios  # noqa: E402
from online_csa.configuration.effective import EFFECTIVE_CONFIG, EFFECTIVE_SCENARIOS  # noqa: E402

# Named scenarios: the baseline (this configuration's own assumptions) and one per file in
# config/scenarios/, each checked against the schema now, before any job runs.
SCENARIOS = load_scenarios(config["scenarios"]["directory"], config, CONFIG_SCHEMA)
SCENARIO_RESULTS = "results/scenarios"
BASELINE_RESULTS = f"{SCENARIO_RESULTS}/{BASELINE}"


wildcard_constraints:
    scenario="[a-z][a-z0-9_]*",


def code(*entries):
    """The package modules a rule's script or notebook (its paired .py) imports, as inputs."""
    return sorted({path for entry in entries for path in package_files(entry, "workflow/online_csa")})


def scenario_monte_carlo(name, keys=None):
    """One scenario's Monte Carlo settings as one param: what run_sensitivity runs, what a chapter recomputes
    (online_csa.sensitivity.try_assumptions) and, limited to `keys`, what the explorer starts from (so a
    setting it does not read, the seed say, reruns no explorer). TREND_CLAIMS is defined in sensitivity.smk."""
    scenario = SCENARIOS[name]
    settings = {
        "assumptions": scenario.assumptions,
        "draws": scenario.monte_carlo["draws"],
        "seed": scenario.monte_carlo["seed"],
        "correlations": scenario.monte_carlo["correlations"],
        "series": config["sensitivity"]["series"],
        "geography": config["sensitivity"]["geography"],
        "s15a_first_year": config["sensitivity"]["s15a_first_year"],
        "s15a_counts": config["sensitivity"]["s15a_counts"],
        "trend_claims": TREND_CLAIMS,
    }
    return settings if keys is None else {key: settings[key] for key in keys}
