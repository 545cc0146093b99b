# Sensitivity: Monte Carlo over the under-recording assumptions, tornado and tipping points.
# The only stage that reads `assumptions:` and `monte_carlo:`.


rule run_sensitivity:
    """Adjust the headline metrics for recording, flagging, reporting and non-response; find tipping points."""
    input:
        code=code("workflow/scripts/run_sensitivity.py"),
        national_estimates=f"{TABLES}/national_estimates.csv",
        national_draws=f"{MODELS}/national_draws.csv",
        claim_records=f"{INTERIM}/claim_records.csv",
        under_recording_parameters=config["raw_data"]["under_recording_parameters"],
    output:
        sensitivity=report(f"{TABLES}/sensitivity.csv", caption="../report/sensitivity.rst", category="5. Sensitivity"),
        tornado=f"{TABLES}/tornado.csv",
        tipping_points=report(f"{TABLES}/tipping_points.csv", caption="../report/tipping_points.rst", category="5. Sensitivity"),
        tipping_curves=f"{TABLES}/tipping_curves.csv",
        assumptions=report(f"{TABLES}/assumptions.csv", caption="../report/assumptions.rst", category="5. Sensitivity"),
    params:
        assumptions=config["assumptions"],
        draws=config["monte_carlo"]["draws"],
        seed=config["monte_carlo"]["seed"],
        series=config["sensitivity"]["series"],
        geography=config["sensitivity"]["geography"],
        s15a_first_year=config["sensitivity"]["s15a_first_year"],
        s15a_counts=config["sensitivity"]["s15a_counts"],
        trend_claims=config["sensitivity"]["trend_claims"],
    log:
        f"{LOGS}/run_sensitivity.log",
    conda:
        ENV
    script:
        "../scripts/run_sensitivity.py"
