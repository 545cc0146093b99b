rule clean_ledger:
    """Route every ledger row to the panel, the claims or the rejected table; build the force x year panel."""
    input:
        code=code("workflow/scripts/clean_ledger.py"),
        checksums=f"{TABLES}/raw_data_checksums.csv",
        force_figures=config["raw_data"]["force_figures"],
        national_figures=config["raw_data"]["national_figures"],
        police_forces=config["raw_data"]["police_forces"],
        child_population=config["raw_data"]["child_population"],
        corrections=config["cleaning"]["corrections"],
    output:
        panel=report(f"{TABLES}/panel.csv", caption="../report/panel.rst", category="2. Cleaning"),
        claim_records=f"{INTERIM}/claim_records.csv",
        other_vintage_panel=f"{INTERIM}/panel_other_vintage_rule.csv",
        rejected=report(f"{TABLES}/rejected.csv", caption="../report/rejected.rst", category="2. Cleaning"),
        routing=report(f"{TABLES}/ledger_routing.csv", caption="../report/ledger_routing.rst", category="2. Cleaning"),
    log:
        f"{LOGS}/clean_ledger.log",
    conda:
        ENV
    params:
        series=config["series"],
        first_fiscal_year=config["cleaning"]["first_fiscal_year"],
        vintage_rule=config["cleaning"]["vintage_rule"],
        population_age_band=config["cleaning"]["population_age_band"],
        suppressed_range=config["cleaning"]["suppressed_range"],
    script:
        "../scripts/clean_ledger.py"
