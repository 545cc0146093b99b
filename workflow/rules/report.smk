# Notebooks are the report's chapters. Each is executed by Snakemake's notebook: directive
# with the real inputs; the executed copy (with outputs) is the rule's output, and
# render_report stitches the chapters into one self-contained HTML file.

NOTEBOOKS = "results/notebooks"
CHAPTERS = [
    "01-data-and-provenance",
    "02-cleaning",
    "03-claims",
    "04-models",
    "05-sensitivity",
    "06-scenarios",
    "07-provenance",
]


rule notebook_data_and_provenance:
    """Chapter 01 of the report: the source ledger, its registry and the checksum of every raw file."""
    input:
        code=code("notebooks/01-data-and-provenance.py"),
        registry=config["raw_data"]["registry"],
        checksums=f"{TABLES}/raw_data_checksums.csv",
        force_figures=config["raw_data"]["force_figures"],
        national_figures=config["raw_data"]["national_figures"],
    output:
        notebook=f"{NOTEBOOKS}/01-data-and-provenance.ipynb",
    log:
        notebook=f"{NOTEBOOKS}/01-data-and-provenance.ipynb",
    conda:
        ENV
    notebook:
        "../../notebooks/01-data-and-provenance.ipynb"


rule notebook_cleaning:
    """Chapter 02: how every ledger row was routed, the panel's coverage, the rejected rows and the rates."""
    input:
        code=code("notebooks/02-cleaning.py"),
        panel=f"{TABLES}/panel.csv",
        rejected=f"{TABLES}/rejected.csv",
        routing=f"{TABLES}/ledger_routing.csv",
        coverage_png=f"{FIGURES}/panel_coverage.png",
        force_rates_png=f"{FIGURES}/force_rates.png",
    output:
        notebook=f"{NOTEBOOKS}/02-cleaning.ipynb",
    log:
        notebook=f"{NOTEBOOKS}/02-cleaning.ipynb",
    conda:
        ENV
    params:
        vintage_rule=config["cleaning"]["vintage_rule"],
        first_fiscal_year=config["cleaning"]["first_fiscal_year"],
    notebook:
        "../../notebooks/02-cleaning.ipynb"


rule notebook_claims:
    """Chapter 03: each published figure and headline claim with its verdict and basis."""
    input:
        code=code("notebooks/03-claims.py"),
        claims=f"{TABLES}/claims.csv",
        verdicts_png=f"{FIGURES}/claim_verdicts.png",
        national_png=f"{FIGURES}/national_series.png",
    output:
        notebook=f"{NOTEBOOKS}/03-claims.ipynb",
    log:
        notebook=f"{NOTEBOOKS}/03-claims.ipynb",
    conda:
        ENV
    notebook:
        "../../notebooks/03-claims.ipynb"


rule notebook_models:
    """Chapter 04: the count model, the imputed force-years and totals, calibration, flagged share, breaks."""
    input:
        code=code("notebooks/04-models.py"),
        coefficients=f"{TABLES}/count_model_coefficients.csv",
        panel_values_used=f"{TABLES}/panel_values_used_by_models.csv",
        national_estimates=f"{TABLES}/national_estimates.csv",
        constraints=f"{TABLES}/imputation_constraints.csv",
        selection=f"{TABLES}/selection_factors.csv",
        calibration=f"{TABLES}/calibration.csv",
        total_checks=f"{TABLES}/published_total_checks.csv",
        flag_share=f"{TABLES}/flag_share.csv",
        flag_decomposition=f"{TABLES}/flag_decomposition.csv",
        flag_quarantined=f"{TABLES}/flag_pairs_quarantined.csv",
        structural_breaks=f"{TABLES}/structural_breaks.csv",
        trends=f"{TABLES}/trend_with_and_without_s15a.csv",
        s15a_step=f"{TABLES}/s15a_step.csv",
        imputed_totals_png=f"{FIGURES}/imputed_totals.png",
        imputed_cells_png=f"{FIGURES}/imputed_force_cells.png",
        flagged_share_png=f"{FIGURES}/flagged_share.png",
    output:
        notebook=f"{NOTEBOOKS}/04-models.ipynb",
    log:
        notebook=f"{NOTEBOOKS}/04-models.ipynb",
    conda:
        ENV
    params:
        focus_series=config["figures"]["focus_series"],
        geography=config["sensitivity"]["geography"],
        alpha_method=config["models"]["alpha_method"],
        min_cells_for_estimate=config["models"]["min_cells_for_estimate"],
        width_target=config["models"]["validation"]["printed_cell_width_target"],
    notebook:
        "../../notebooks/04-models.ipynb"


rule notebook_sensitivity:
    """Chapter 05 (baseline scenario): the adjusted metrics, the tornado and the tipping points."""
    input:
        code=code("notebooks/05-sensitivity.py"),
        assumptions=f"{BASELINE_RESULTS}/assumptions.csv",
        sensitivity=f"{BASELINE_RESULTS}/sensitivity.csv",
        tipping_points=f"{BASELINE_RESULTS}/tipping_points.csv",
        tornado_png=f"{FIGURES}/tornado.png",
        tipping_png=f"{FIGURES}/tipping_curves.png",
    output:
        notebook=f"{NOTEBOOKS}/05-sensitivity.ipynb",
    log:
        notebook=f"{NOTEBOOKS}/05-sensitivity.ipynb",
    conda:
        ENV
    params:
        draws=SCENARIOS[BASELINE].monte_carlo["draws"],
        seed=SCENARIOS[BASELINE].monte_carlo["seed"],
        include_s15a=SCENARIOS[BASELINE].assumptions["include_s15a"],
        trend_claims=config["sensitivity"]["trend_claims"],
    notebook:
        "../../notebooks/05-sensitivity.ipynb"


rule notebook_scenarios:
    """Chapter 06: the named scenarios side by side on the headline metrics and claims."""
    input:
        code=code("notebooks/06-scenarios.py"),
        comparison=f"{TABLES}/scenario_comparison.csv",
        claim_support=f"{TABLES}/scenario_claim_support.csv",
        comparison_png=f"{FIGURES}/scenario_comparison.png",
    output:
        notebook=f"{NOTEBOOKS}/06-scenarios.ipynb",
    log:
        notebook=f"{NOTEBOOKS}/06-scenarios.ipynb",
    conda:
        ENV
    params:
        scenarios=[s.summary() for s in SCENARIOS.values()],
        trend_claims=config["sensitivity"]["trend_claims"],
    notebook:
        "../../notebooks/06-scenarios.ipynb"


rule notebook_provenance:
    """Appendix: the configuration, seeds, source checksums and package versions of this run."""
    input:
        code=code("notebooks/07-provenance.py"),
        panel=f"{TABLES}/panel.csv",
        claims=f"{TABLES}/claims.csv",
        checksums=f"{TABLES}/raw_data_checksums.csv",
        force_figures=config["raw_data"]["force_figures"],
        national_figures=config["raw_data"]["national_figures"],
    output:
        notebook=f"{NOTEBOOKS}/07-provenance.ipynb",
    log:
        notebook=f"{NOTEBOOKS}/07-provenance.ipynb",
    conda:
        ENV
    params:
        config=config,
        scenarios=[
            {"name": s.name, "seed": s.monte_carlo["seed"], "draws": s.monte_carlo["draws"]}
            for s in SCENARIOS.values()
        ],
    notebook:
        "../../notebooks/07-provenance.ipynb"


rule render_report:
    """Stitch the executed chapters into one self-contained HTML report (code hidden, outputs kept)."""
    input:
        code=code("workflow/scripts/render_report.py"),
        chapters=[f"{NOTEBOOKS}/{chapter}.ipynb" for chapter in CHAPTERS],
    output:
        html=report("results/report/report.html", caption="../report/report.rst", category="7. Report"),
    log:
        f"{LOGS}/render_report.log",
    conda:
        ENV
    params:
        title=config["report"]["title"],
    script:
        "../scripts/render_report.py"


rule render_pdf:
    """The same chapters as a PDF for reviewers who annotate on paper (typst, offline)."""
    input:
        code=code("workflow/scripts/render_pdf.py"),
        chapters=[f"{NOTEBOOKS}/{chapter}.ipynb" for chapter in CHAPTERS],
    output:
        pdf=report("results/report/report.pdf", caption="../report/report_pdf.rst", category="7. Report"),
    log:
        f"{LOGS}/render_pdf.log",
    conda:
        ENV
    params:
        title=config["report"]["title"],
        max_table_rows=config["report"]["pdf_max_table_rows"],
    script:
        "../scripts/render_pdf.py"
