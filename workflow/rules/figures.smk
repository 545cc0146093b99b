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


rule plot_imputed_totals:
    """Imputed national totals with 90% intervals, beside observed sums and printed totals."""
    input:
        code=code("workflow/scripts/plot_model_figure.py"),
        national_estimates=f"{TABLES}/national_estimates.csv",
        claims=f"{TABLES}/claims.csv",
    output:
        png=report(f"{FIGURES}/imputed_totals.png", caption="../report/imputed_totals.rst", category="4. Models"),
    params:
        figure="imputed_totals",
        series_labels=SERIES_LABELS,
        geography=config["sensitivity"]["geography"],
        dpi=config["figures"]["dpi"],
    log:
        f"{LOGS}/plot_imputed_totals.log",
    conda:
        ENV
    script:
        "../scripts/plot_model_figure.py"


rule plot_imputed_force_cells:
    """Every force-year of the focus series: observed, or imputed with its 90% prediction interval."""
    input:
        code=code("workflow/scripts/plot_model_figure.py"),
        force_year_estimates=f"{TABLES}/force_year_estimates.csv",
    output:
        png=report(f"{FIGURES}/imputed_force_cells.png", caption="../report/imputed_force_cells.rst", category="4. Models"),
    params:
        figure="imputed_force_cells",
        series=config["figures"]["focus_series"],
        dpi=config["figures"]["dpi"],
    log:
        f"{LOGS}/plot_imputed_force_cells.log",
    conda:
        ENV
    script:
        "../scripts/plot_model_figure.py"


rule plot_flagged_share:
    """The flagged share of all child sexual offences by force and year, with the model's trend."""
    input:
        code=code("workflow/scripts/plot_model_figure.py"),
        pairs=f"{TABLES}/flag_pairs.csv",
        shares=f"{TABLES}/flag_share.csv",
    output:
        png=report(f"{FIGURES}/flagged_share.png", caption="../report/flagged_share.rst", category="4. Models"),
    params:
        figure="flagged_share",
        dpi=config["figures"]["dpi"],
    log:
        f"{LOGS}/plot_flagged_share.log",
    conda:
        ENV
    script:
        "../scripts/plot_model_figure.py"


rule plot_tornado:
    """One-way sensitivity of the headline metrics to each assumption (baseline scenario)."""
    input:
        code=code("workflow/scripts/plot_model_figure.py"),
        tornado=f"{BASELINE_RESULTS}/tornado.csv",
    output:
        png=report(f"{FIGURES}/tornado.png", caption="../report/tornado.rst", category="5. Sensitivity"),
    params:
        figure="tornado",
        metrics=[f"adjusted ratio {c['to_year']} vs {c['from_year']}" for c in config["sensitivity"]["trend_claims"][:1]]
        + [f"adjusted total {config['sensitivity']['trend_claims'][0]['to_year']}"],
        dpi=config["figures"]["dpi"],
    log:
        f"{LOGS}/plot_tornado.log",
    conda:
        ENV
    script:
        "../scripts/plot_model_figure.py"


rule plot_tipping_curves:
    """The first trend claim's adjusted ratio as each assumption moves, with its thresholds and tipping points."""
    input:
        code=code("workflow/scripts/plot_model_figure.py"),
        tipping_curves=f"{BASELINE_RESULTS}/tipping_curves.csv",
        tipping_points=f"{BASELINE_RESULTS}/tipping_points.csv",
    output:
        png=report(f"{FIGURES}/tipping_curves.png", caption="../report/tipping_curves.rst", category="5. Sensitivity"),
    params:
        figure="tipping_curves",
        claim_id=config["sensitivity"]["trend_claims"][0]["claim_id"],
        dpi=config["figures"]["dpi"],
    log:
        f"{LOGS}/plot_tipping_curves.log",
    conda:
        ENV
    script:
        "../scripts/plot_model_figure.py"


rule plot_scenario_comparison:
    """The named scenarios side by side on the headline metrics."""
    input:
        code=code("workflow/scripts/plot_model_figure.py"),
        comparison=f"{TABLES}/scenario_comparison.csv",
    output:
        png=report(f"{FIGURES}/scenario_comparison.png", caption="../report/scenario_comparison_figure.rst", category="5. Sensitivity"),
    params:
        figure="scenario_comparison",
        dpi=config["figures"]["dpi"],
    log:
        f"{LOGS}/plot_scenario_comparison.log",
    conda:
        ENV
    script:
        "../scripts/plot_model_figure.py"
