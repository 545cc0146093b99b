# Notebooks are the report's chapters. Each is executed with the real inputs by
# scripts/execute_notebook.py, in the job's own process (no Jupyter kernel, no papermill: the
# start-up of both cost more than most chapters' work); the notebook gets its `snakemake`
# object as under the notebook: directive. The executed copy (with outputs) is the rule's
# output, and render_report stitches the chapters into one self-contained HTML file.

from importlib.metadata import version as package_version  # noqa: E402

from online_csa.report.vendored_javascript import VENDOR_DIR, vendored_bundle_name  # noqa: E402

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
# The figures' captions (the Snakemake report's), shown under each numbered figure of the reports.
# A figure's caption file is named after its PNG, or <name>_figure where a table has the PNG's name.
FIGURE_CAPTIONS = [
    f"workflow/report/{name}.rst"
    for name in [
        "panel_coverage",
        "force_rates",
        "claim_verdicts",
        "national_series",
        "imputed_totals",
        "imputed_force_cells",
        "flagged_share",
        "tornado",
        "tipping_curves",
        "scenario_comparison_figure",
        "claim_support_figure",
    ]
]


rule notebook_data_and_provenance:
    """Chapter 01 of the report: the source ledger, its registry and the checksum of every raw file."""
    input:
        code=code("workflow/scripts/execute_notebook.py", "notebooks/01-data-and-provenance.py"),
        chapter="notebooks/01-data-and-provenance.ipynb",
        registry=config["raw_data"]["registry"],
        checksums=f"{TABLES}/raw_data_checksums.csv",
        force_figures=config["raw_data"]["force_figures"],
        national_figures=config["raw_data"]["national_figures"],
    output:
        notebook=f"{NOTEBOOKS}/01-data-and-provenance.ipynb",
    log:
        f"{LOGS}/notebook_data_and_provenance.log",
    conda:
        ENV
    script:
        "../scripts/execute_notebook.py"


rule notebook_cleaning:
    """Chapter 02: how every ledger row was routed, the panel's coverage, the rejected rows and the rates."""
    input:
        **CHAPTER_FIGURES["cleaning"].input,
        code=code("workflow/scripts/execute_notebook.py", "notebooks/02-cleaning.py"),
        chapter="notebooks/02-cleaning.ipynb",
        rejected=f"{TABLES}/rejected.csv",
        routing=f"{TABLES}/ledger_routing.csv",
    output:
        **CHAPTER_FIGURES["cleaning"].output,
        notebook=f"{NOTEBOOKS}/02-cleaning.ipynb",
    log:
        f"{LOGS}/notebook_cleaning.log",
    conda:
        ENV
    params:
        **CHAPTER_FIGURES["cleaning"].params,
        vintage_rule=config["cleaning"]["vintage_rule"],
        first_fiscal_year=config["cleaning"]["first_fiscal_year"],
    script:
        "../scripts/execute_notebook.py"


rule notebook_claims:
    """Chapter 03: each published figure and headline claim with its verdict and basis."""
    input:
        **CHAPTER_FIGURES["claims"].input,
        code=code("workflow/scripts/execute_notebook.py", "notebooks/03-claims.py"),
        chapter="notebooks/03-claims.ipynb",
    output:
        **CHAPTER_FIGURES["claims"].output,
        notebook=f"{NOTEBOOKS}/03-claims.ipynb",
    log:
        f"{LOGS}/notebook_claims.log",
    conda:
        ENV
    params:
        **CHAPTER_FIGURES["claims"].params,
        vintage_rule=config["cleaning"]["vintage_rule"],
    script:
        "../scripts/execute_notebook.py"


rule notebook_models:
    """Chapter 04: the count model, the imputed force-years and totals, calibration, flagged share, breaks."""
    input:
        **CHAPTER_FIGURES["models"].input,
        code=code("workflow/scripts/execute_notebook.py", "notebooks/04-models.py"),
        chapter="notebooks/04-models.ipynb",
        coefficients=f"{TABLES}/count_model_coefficients.csv",
        panel_values_used=f"{TABLES}/panel_values_used_by_models.csv",
        national_estimates=f"{TABLES}/national_estimates.csv",
        constraints=f"{TABLES}/imputation_constraints.csv",
        selection=f"{TABLES}/selection_factors.csv",
        calibration=f"{TABLES}/calibration.csv",
        total_checks=f"{TABLES}/published_total_checks.csv",
        one_out_checks=f"{TABLES}/calibration_cells_one_out.csv",
        calibration_curves=f"{TABLES}/calibration_curves.csv",
        width_comparison=f"{TABLES}/printed_cell_width_comparison.csv",
        model_structures=f"{TABLES}/model_structure_checks.csv",
        cell_checks=f"{TABLES}/calibration_cells.csv",
        flag_share=f"{TABLES}/flag_share.csv",
        flag_decomposition=f"{TABLES}/flag_decomposition.csv",
        flag_quarantined=f"{TABLES}/flag_pairs_quarantined.csv",
        structural_breaks=f"{TABLES}/structural_breaks.csv",
        trends=f"{TABLES}/trend_with_and_without_s15a.csv",
        s15a_step=f"{TABLES}/s15a_step.csv",
    output:
        **CHAPTER_FIGURES["models"].output,
        notebook=f"{NOTEBOOKS}/04-models.ipynb",
    log:
        f"{LOGS}/notebook_models.log",
    priority: 3  # a cold run's longest chapter, on its longest chain: before shorter jobs
    conda:
        ENV
    params:
        **CHAPTER_FIGURES["models"].params,
        focus_series=config["figures"]["focus_series"],
        alpha_method=config["models"]["alpha_method"],
        min_cells_for_estimate=config["models"]["min_cells_for_estimate"],
        width_target=config["models"]["validation"]["printed_cell_width_target"],
        min_effective_sample_size=config["models"]["validation"]["min_effective_sample_size"],
    script:
        "../scripts/execute_notebook.py"


rule notebook_sensitivity:
    """Chapter 05 (baseline scenario): the adjusted metrics, the tornado and the tipping points."""
    input:
        **MONTE_CARLO_INPUTS,
        **CHAPTER_FIGURES["sensitivity"].input,
        code=code("workflow/scripts/execute_notebook.py", "notebooks/05-sensitivity.py"),
        chapter="notebooks/05-sensitivity.ipynb",
        assumptions=f"{BASELINE_RESULTS}/assumptions.csv",
        sensitivity=f"{BASELINE_RESULTS}/sensitivity.csv",
        claim_support=f"{BASELINE_RESULTS}/claim_support.csv",
        tipping_points=f"{BASELINE_RESULTS}/tipping_points.csv",
    output:
        **CHAPTER_FIGURES["sensitivity"].output,
        notebook=f"{NOTEBOOKS}/05-sensitivity.ipynb",
    log:
        f"{LOGS}/notebook_sensitivity.log",
    priority: 1  # on the chain the reports wait for: first when a core frees up
    conda:
        ENV
    params:
        **CHAPTER_FIGURES["sensitivity"].params,
        monte_carlo=scenario_monte_carlo(BASELINE),
        claim_support_words=config["sensitivity"]["claim_support_words"],
    script:
        "../scripts/execute_notebook.py"


rule notebook_scenarios:
    """Chapter 06: the named scenarios side by side on the headline metrics and claims."""
    input:
        **MONTE_CARLO_INPUTS,
        **CHAPTER_FIGURES["scenarios"].input,
        code=code("workflow/scripts/execute_notebook.py", "notebooks/06-scenarios.py"),
        chapter="notebooks/06-scenarios.ipynb",
        claim_support=f"{TABLES}/scenario_claim_support.csv",
    output:
        **CHAPTER_FIGURES["scenarios"].output,
        notebook=f"{NOTEBOOKS}/06-scenarios.ipynb",
    log:
        f"{LOGS}/notebook_scenarios.log",
    priority: 1  # on the chain the reports wait for: first when a core frees up
    conda:
        ENV
    params:
        **CHAPTER_FIGURES["scenarios"].params,
        scenarios=[s.summary() for s in SCENARIOS.values()],
        monte_carlo={name: scenario_monte_carlo(name) for name in SCENARIOS},
    script:
        "../scripts/execute_notebook.py"


rule notebook_provenance:
    """Appendix: the configuration, seeds, source checksums and package versions of this run."""
    input:
        code=code("workflow/scripts/execute_notebook.py", "notebooks/07-provenance.py"),
        chapter="notebooks/07-provenance.ipynb",
        panel=f"{TABLES}/panel.csv",
        claims=f"{TABLES}/claims.csv",
        checksums=f"{TABLES}/raw_data_checksums.csv",
        force_figures=config["raw_data"]["force_figures"],
        national_figures=config["raw_data"]["national_figures"],
        registry=config["raw_data"]["registry"],
        under_recording_parameters=config["raw_data"]["under_recording_parameters"],
        effective_config=EFFECTIVE_CONFIG,
        effective_scenarios=EFFECTIVE_SCENARIOS,
    output:
        notebook=f"{NOTEBOOKS}/07-provenance.ipynb",
    log:
        f"{LOGS}/notebook_provenance.log",
    priority: 1  # on the chain the reports wait for: first when a core frees up
    conda:
        ENV
    script:
        "../scripts/execute_notebook.py"


rule vega_embed_bundle:
    """The Vega, Vega-Lite and Vega-Embed JavaScript (from vl-convert) the explorer inlines: the repository's copy for
    the installed versions, else built."""
    input:
        code=code("workflow/scripts/write_vega_embed_bundle.py"),
    output:
        js=f"{INTERIM}/vega-embed.js",
    log:
        f"{LOGS}/vega_embed_bundle.log",
    conda:
        ENV
    params:
        vl_convert_version=package_version("vl-convert-python"),
        altair_version=package_version("altair"),
        vendored=f"{VENDOR_DIR}/"
        + vendored_bundle_name(package_version("vl-convert-python"), package_version("altair")),
    script:
        "../scripts/write_vega_embed_bundle.py"


rule assumptions_explorer:
    """The headline claims recomputed in the reader's browser, a slider per assumption (an HTML fragment)."""
    input:
        code=code("workflow/scripts/write_assumptions_explorer.py"),
        national_estimates=f"{TABLES}/national_estimates.csv",
        national_draws=f"{MODELS}/national_draws.csv",
        claim_records=f"{INTERIM}/claim_records.csv",
        bundle=rules.vega_embed_bundle.output.js,
    output:
        html="results/report/explorer.html",
    log:
        f"{LOGS}/assumptions_explorer.log",
    priority: 0  # off the chain the reports wait for: when a core frees up and the server has loaded Altair
    conda:
        ENV
    params:
        # its own thinned draws replace the Monte Carlo's draws, seed and correlations
        monte_carlo=scenario_monte_carlo(
            BASELINE, ["assumptions", "series", "geography", "s15a_first_year", "s15a_counts", "trend_claims"]
        ),
        explorer_draws=config["explorer"]["draws"],
        ranges=config["explorer"]["ranges"],
        claim_support_words=config["sensitivity"]["claim_support_words"],
    script:
        "../scripts/write_assumptions_explorer.py"


rule summarise_findings:
    """The findings page: one row per headline claim (verdict, the number the data give, the share of
    assumption draws in which it holds, its tipping values) and the figure of those shares."""
    input:
        code=code("workflow/scripts/summarise_findings.py"),
        claims=f"{TABLES}/claims.csv",
        panel=f"{TABLES}/panel.csv",
        claim_support=f"{TABLES}/scenario_claim_support.csv",
        tipping_points=f"{BASELINE_RESULTS}/tipping_points.csv",
        national_estimates=f"{TABLES}/national_estimates.csv",
    output:
        findings=report(f"{TABLES}/findings.csv", caption="../report/findings.rst", category="7. Report"),
        figure=report(
            f"{FIGURES}/claim_support.png", caption="../report/claim_support_figure.rst", category="7. Report"
        ),
    log:
        f"{LOGS}/summarise_findings.log",
    priority: 1  # on the chain the reports wait for: first when a core frees up
    conda:
        ENV
    params:
        findings=config["report"]["findings"],
        claim_support_words=config["sensitivity"]["claim_support_words"],
        trend_claims=TREND_CLAIMS,
        series=config["sensitivity"]["series"],
        geography=config["sensitivity"]["geography"],
        dpi=config["figures"]["dpi"],
    script:
        "../scripts/summarise_findings.py"


rule render_report:
    """Stitch the executed chapters into one self-contained HTML report (code hidden, outputs kept)."""
    input:
        code=code("workflow/scripts/render_report.py"),
        chapters=[f"{NOTEBOOKS}/{chapter}.ipynb" for chapter in CHAPTERS],
        findings=rules.summarise_findings.output.findings,
        findings_figure=rules.summarise_findings.output.figure,
        captions=FIGURE_CAPTIONS,
        explorer=rules.assumptions_explorer.output.html,
        stamp=f"{RUN}/run_stamp.json",
        config_changes=f"{RUN}/config_changes.csv",
    output:
        html=report("results/report/report.html", caption="../report/report.rst", category="7. Report"),
    log:
        f"{LOGS}/render_report.log",
    conda:
        ENV
    params:
        title=config["report"]["title"],
        inline_table_rows=config["report"]["inline_table_rows"],
    script:
        "../scripts/render_report.py"


rule render_pdf:
    """The same chapters as a PDF for reviewers who annotate on paper (typst, offline)."""
    input:
        code=code("workflow/scripts/render_pdf.py"),
        chapters=[f"{NOTEBOOKS}/{chapter}.ipynb" for chapter in CHAPTERS],
        findings=rules.summarise_findings.output.findings,
        findings_figure=rules.summarise_findings.output.figure,
        captions=FIGURE_CAPTIONS,
        stamp=f"{RUN}/run_stamp.json",
        config_changes=f"{RUN}/config_changes.csv",
    output:
        pdf=report("results/report/report.pdf", caption="../report/report_pdf.rst", category="7. Report"),
    log:
        f"{LOGS}/render_pdf.log",
    conda:
        ENV
    params:
        title=config["report"]["title"],
        max_table_rows=config["report"]["pdf_max_table_rows"],
        inline_table_rows=config["report"]["inline_table_rows"],
    script:
        "../scripts/render_pdf.py"
