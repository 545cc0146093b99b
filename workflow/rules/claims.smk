rule check_claims:
    """Reproduce every published figure from force-level data where possible and give it a verdict."""
    input:
        code=code("workflow/scripts/check_claims.py"),
        panel=f"{TABLES}/panel.csv",
        other_vintage_panel=f"{INTERIM}/panel_other_vintage_rule.csv",
        claim_records=f"{INTERIM}/claim_records.csv",
        police_forces=config["raw_data"]["police_forces"],
        geographies=config["claims"]["geographies"],
    output:
        claims=report(f"{TABLES}/claims.csv", caption="../report/claims.rst", category="3. Claims"),
    log:
        f"{LOGS}/check_claims.log",
    priority: 3  # short, and chapter 4 (its figures) waits for it: not left for the end of a cold run
    conda:
        ENV
    params:
        series=SERIES_NAMES,
        min_coverage_share=config["claims"]["min_coverage_share"],
        headline_checks=config["headline_checks"],
    script:
        "../scripts/check_claims.py"
