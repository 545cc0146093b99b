# One job per report chapter draws that chapter's figures: each job pays the start-up of
# matplotlib and seaborn (about three seconds on a small machine) once, not once per figure.
# Which figure is drawn is the output's name (see workflow/scripts/plot_figures.py).

from online_csa.configuration.validation import read_yaml  # noqa: E402

# The national totals the figures draw: geography id -> name in the legend (config/geographies.yaml)
NATIONAL_GEOGRAPHIES = read_yaml(config["claims"]["geographies"])["national_series_figure"]


rule plot_cleaning_figures:
    """Chapter 02: which force-years the ledger covers; offences per 100,000 children by force."""
    input:
        code=code("workflow/scripts/plot_figures.py"),
        panel=f"{TABLES}/panel.csv",
    output:
        panel_coverage=report(f"{FIGURES}/panel_coverage.png", caption="../report/panel_coverage.rst",
                              category="4. Figures"),
        force_rates=report(f"{FIGURES}/force_rates.png", caption="../report/force_rates.rst", category="4. Figures"),
    params:
        series_labels=SERIES_LABELS,
        series=config["figures"]["focus_series"],
        dpi=config["figures"]["dpi"],
    log:
        f"{LOGS}/plot_cleaning_figures.log",
    conda:
        ENV
    script:
        "../scripts/plot_figures.py"


rule plot_claim_figures:
    """Chapter 03: claim verdicts at a glance; national totals as printed beside the force sums."""
    input:
        code=code("workflow/scripts/plot_figures.py"),
        panel=f"{TABLES}/panel.csv",
        claims=f"{TABLES}/claims.csv",
    output:
        claim_verdicts=report(f"{FIGURES}/claim_verdicts.png", caption="../report/claim_verdicts.rst",
                              category="4. Figures"),
        national_series=report(f"{FIGURES}/national_series.png", caption="../report/national_series.rst",
                               category="4. Figures"),
    params:
        series=config["figures"]["focus_series"],
        national_geographies=NATIONAL_GEOGRAPHIES,
        dpi=config["figures"]["dpi"],
    log:
        f"{LOGS}/plot_claim_figures.log",
    conda:
        ENV
    script:
        "../scripts/plot_figures.py"


rule plot_model_figures:
    """Chapter 04: imputed national totals, every force-year of the focus series, the flagged share."""
    input:
        code=code("workflow/scripts/plot_figures.py"),
        national_estimates=f"{TABLES}/national_estimates.csv",
        claims=f"{TABLES}/claims.csv",
        force_year_estimates=f"{TABLES}/force_year_estimates.csv",
        pairs=f"{TABLES}/flag_pairs.csv",
        shares=f"{TABLES}/flag_share.csv",
    output:
        imputed_totals=report(f"{FIGURES}/imputed_totals.png", caption="../report/imputed_totals.rst",
                              category="4. Models"),
        imputed_force_cells=report(f"{FIGURES}/imputed_force_cells.png",
                                   caption="../report/imputed_force_cells.rst", category="4. Models"),
        flagged_share=report(f"{FIGURES}/flagged_share.png", caption="../report/flagged_share.rst",
                             category="4. Models"),
    params:
        series_labels=SERIES_LABELS,
        geography=config["sensitivity"]["geography"],
        national_geographies=NATIONAL_GEOGRAPHIES,
        series=config["figures"]["focus_series"],
        dpi=config["figures"]["dpi"],
    log:
        f"{LOGS}/plot_model_figures.log",
    conda:
        ENV
    script:
        "../scripts/plot_figures.py"


rule plot_sensitivity_figures:
    """Chapter 05 (baseline scenario): one-way sensitivity of the headline metrics; the first trend
    claim's adjusted ratio as each assumption moves, with its thresholds and tipping points."""
    input:
        code=code("workflow/scripts/plot_figures.py"),
        tornado=f"{BASELINE_RESULTS}/tornado.csv",
        tipping_curves=f"{BASELINE_RESULTS}/tipping_curves.csv",
        tipping_points=f"{BASELINE_RESULTS}/tipping_points.csv",
    output:
        tornado=report(f"{FIGURES}/tornado.png", caption="../report/tornado.rst", category="5. Sensitivity"),
        tipping_curves=report(f"{FIGURES}/tipping_curves.png", caption="../report/tipping_curves.rst",
                              category="5. Sensitivity"),
    params:
        metrics=[f"adjusted ratio {c['to_year']} vs {c['from_year']}" for c in config["sensitivity"]["trend_claims"][:1]]
        + [f"adjusted total {config['sensitivity']['trend_claims'][0]['to_year']}"],
        claim_id=config["sensitivity"]["trend_claims"][0]["claim_id"],
        dpi=config["figures"]["dpi"],
    log:
        f"{LOGS}/plot_sensitivity_figures.log",
    conda:
        ENV
    script:
        "../scripts/plot_figures.py"


rule plot_scenario_figures:
    """Chapter 06: the named scenarios side by side on the headline metrics."""
    input:
        code=code("workflow/scripts/plot_figures.py"),
        comparison=f"{TABLES}/scenario_comparison.csv",
    output:
        scenario_comparison=report(f"{FIGURES}/scenario_comparison.png",
                                   caption="../report/scenario_comparison_figure.rst", category="5. Sensitivity"),
    params:
        dpi=config["figures"]["dpi"],
    log:
        f"{LOGS}/plot_scenario_figures.log",
    conda:
        ENV
    script:
        "../scripts/plot_figures.py"
