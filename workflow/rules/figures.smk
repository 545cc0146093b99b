rule plot_panel_coverage:
    """Which force-years the ledger covers, per series."""
    input:
        code=code("workflow/scripts/plot_figure.py"),
        panel=f"{TABLES}/panel.csv",
    output:
        png=report(f"{FIGURES}/panel_coverage.png", caption="../report/panel_coverage.rst", category="4. Figures"),
    params:
        figure="panel_coverage",
        series_labels=SERIES_LABELS,
        dpi=config["figures"]["dpi"],
    log:
        f"{LOGS}/plot_panel_coverage.log",
    conda:
        ENV
    script:
        "../scripts/plot_figure.py"


rule plot_national_series:
    """National totals as each release printed them, beside the sum of force figures."""
    input:
        code=code("workflow/scripts/plot_figure.py"),
        panel=f"{TABLES}/panel.csv",
        claims=f"{TABLES}/claims.csv",
    output:
        png=report(f"{FIGURES}/national_series.png", caption="../report/national_series.rst", category="4. Figures"),
    params:
        figure="national_series",
        series=config["figures"]["focus_series"],
        dpi=config["figures"]["dpi"],
    log:
        f"{LOGS}/plot_national_series.log",
    conda:
        ENV
    script:
        "../scripts/plot_figure.py"


rule plot_force_rates:
    """Offences per 100,000 children by force, conflicting vintages marked."""
    input:
        code=code("workflow/scripts/plot_figure.py"),
        panel=f"{TABLES}/panel.csv",
    output:
        png=report(f"{FIGURES}/force_rates.png", caption="../report/force_rates.rst", category="4. Figures"),
    params:
        figure="force_rates",
        series=config["figures"]["focus_series"],
        dpi=config["figures"]["dpi"],
    log:
        f"{LOGS}/plot_force_rates.log",
    conda:
        ENV
    script:
        "../scripts/plot_figure.py"


rule plot_claim_verdicts:
    """Claim verdicts at a glance."""
    input:
        code=code("workflow/scripts/plot_figure.py"),
        claims=f"{TABLES}/claims.csv",
    output:
        png=report(f"{FIGURES}/claim_verdicts.png", caption="../report/claim_verdicts.rst", category="4. Figures"),
    params:
        figure="claim_verdicts",
        dpi=config["figures"]["dpi"],
    log:
        f"{LOGS}/plot_claim_verdicts.log",
    conda:
        ENV
    script:
        "../scripts/plot_figure.py"
