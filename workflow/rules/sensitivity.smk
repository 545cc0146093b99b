# Sensitivity: Monte Carlo over the under-recording assumptions, tornado and tipping points,
# once per named scenario, and the scenarios side by side. The only stage that reads
# `assumptions:`, `monte_carlo:` and the scenario files. Each scenario's results live in
# results/scenarios/<name>/, so running one never overwrites another.

SCENARIO_TABLES = ["sensitivity", "claim_support", "tornado", "tipping_points", "tipping_curves", "assumptions"]

from online_csa.configuration.claim_thresholds import resolve_trend_claims  # noqa: E402
from online_csa.sensitivity.metric_names import LATER, adjusted_total_metric, ratio_metric  # noqa: E402

# The trend claims with every threshold a number: one a headline check also uses is read from
# headline_checks (one definition, shared with the claims stage).
TREND_CLAIMS = resolve_trend_claims(config["sensitivity"]["trend_claims"], config["headline_checks"])

# What the Monte Carlo reads: the imputation's draws of the recorded totals and the published
# totals of the trend claims (run_sensitivity, and the chapters' "try it" cells).
MONTE_CARLO_INPUTS = {
    "national_estimates": f"{TABLES}/national_estimates.csv",
    "national_draws": f"{MODELS}/national_draws.csv",
    "claim_records": f"{INTERIM}/claim_records.csv",
}


rule run_sensitivity:
    """Adjust the headline metrics for recording, flagging, reporting and non-response under one scenario; find tipping points."""
    input:
        **MONTE_CARLO_INPUTS,
        code=code("workflow/scripts/run_sensitivity.py"),
        under_recording_parameters=config["raw_data"]["under_recording_parameters"],
        geographies=config["claims"]["geographies"],
        police_forces=config["raw_data"]["police_forces"],
    output:
        sensitivity=report(
            f"{SCENARIO_RESULTS}/{{scenario}}/sensitivity.csv",
            caption="../report/sensitivity.rst",
            category="5. Sensitivity",
            subcategory="{scenario}",
        ),
        claim_support=report(
            f"{SCENARIO_RESULTS}/{{scenario}}/claim_support.csv",
            caption="../report/claim_support.rst",
            category="5. Sensitivity",
            subcategory="{scenario}",
        ),
        tornado=report(
            f"{SCENARIO_RESULTS}/{{scenario}}/tornado.csv",
            caption="../report/tornado_table.rst",
            category="5. Sensitivity",
            subcategory="{scenario}",
        ),
        tipping_points=report(
            f"{SCENARIO_RESULTS}/{{scenario}}/tipping_points.csv",
            caption="../report/tipping_points.rst",
            category="5. Sensitivity",
            subcategory="{scenario}",
        ),
        tipping_curves=report(
            f"{SCENARIO_RESULTS}/{{scenario}}/tipping_curves.csv",
            caption="../report/tipping_curves_table.rst",
            category="5. Sensitivity",
            subcategory="{scenario}",
        ),
        assumptions=report(
            f"{SCENARIO_RESULTS}/{{scenario}}/assumptions.csv",
            caption="../report/assumptions.rst",
            category="5. Sensitivity",
            subcategory="{scenario}",
        ),
    log:
        f"{LOGS}/run_sensitivity/{{scenario}}.log",
    priority: 2  # the head of the chain the reports wait for: first of it
    conda:
        ENV
    params:
        monte_carlo=lambda wc: scenario_monte_carlo(wc.scenario),
        label_tolerance=lambda wc: SCENARIOS[wc.scenario].monte_carlo["label_tolerance"],
    script:
        "../scripts/run_sensitivity.py"


rule compare_scenarios:
    """The headline metrics and the share of draws in which each claim holds, scenario by scenario."""
    input:
        code=code("workflow/scripts/compare_scenarios.py"),
        sensitivity=expand(f"{SCENARIO_RESULTS}/{{scenario}}/sensitivity.csv", scenario=SCENARIOS),
        claim_support=expand(f"{SCENARIO_RESULTS}/{{scenario}}/claim_support.csv", scenario=SCENARIOS),
    output:
        comparison=report(
            f"{TABLES}/scenario_comparison.csv", caption="../report/scenario_comparison.rst", category="6. Scenarios"
        ),
        claim_support=report(
            f"{TABLES}/scenario_claim_support.csv",
            caption="../report/scenario_claim_support.rst",
            category="6. Scenarios",
        ),
    log:
        f"{LOGS}/compare_scenarios.log",
    priority: 1  # on the chain the reports wait for: first when a core frees up
    conda:
        ENV
    params:
        scenarios=[s.summary() for s in SCENARIOS.values()],
        headline_metrics=config["scenarios"]["headline_metrics"],
    script:
        "../scripts/compare_scenarios.py"


rule scenarios:
    """Run every scenario and compare them (./run_pipeline.sh scenarios)."""
    input:
        rules.compare_scenarios.output,


# One target per scenario: ./run_pipeline.sh scenario_low_reporting_rate
for _scenario in SCENARIOS:

    rule:
        """One scenario's results only, in results/scenarios/<name>/."""
        name:
            f"scenario_{_scenario}"
        input:
            expand(f"{SCENARIO_RESULTS}/{_scenario}/{{table}}.csv", table=SCENARIO_TABLES),
