# Models: the mixed NB count model and the selection-aware imputation of unprinted force-years,
# its validation against published totals and held-out forces and years, the flagged share, and
# structural breaks. None reads the under-recording
# assumptions, so changing one never reruns these.

MODELS = "results/models"

# What every model-stage rule needs to set a series up the same way (series_model.py)
MODEL_SETUP = dict(
    geography=config["models"]["geography"],
    series=config["models"]["series"],
    alpha_method=config["models"]["alpha_method"],
    national_geographies=config["models"]["imputation"]["national_geographies"],
    exclude_totals=config["models"]["imputation"]["exclude_totals"],
    responder_overrides=config["models"]["imputation"]["responder_overrides"],
    selection_prior=config["models"]["imputation"]["selection_prior"],
)


rule fit_count_models:
    """Fit the mixed NB model per series and choose among its published totals, once for the model-stage
    jobs that impute or validate (a pickle they read; not a result)."""
    input:
        code=code("workflow/scripts/fit_count_models.py"),
        panel=f"{TABLES}/panel.csv",
        claim_records=f"{INTERIM}/claim_records.csv",
        police_forces=config["raw_data"]["police_forces"],
        geographies=config["claims"]["geographies"],
    output:
        series_models=f"{MODELS}/series_models.pickle",
    log:
        f"{LOGS}/fit_count_models.log",
    priority: 5  # every model job waits for it
    conda:
        ENV
    params:
        **MODEL_SETUP,
    script:
        "../scripts/fit_count_models.py"


rule impute_missing_cells:
    """Impute every unprinted force-year of each series from its fitted model, with a selection factor,
    conditioned on every usable published total; list the observed panel values no model uses."""
    input:
        code=code("workflow/scripts/impute_missing_cells.py"),
        series_models=rules.fit_count_models.output.series_models,
        panel=f"{TABLES}/panel.csv",
        police_forces=config["raw_data"]["police_forces"],
        geographies=config["claims"]["geographies"],
    output:
        coefficients=report(
            f"{TABLES}/count_model_coefficients.csv",
            caption="../report/count_model_coefficients.rst",
            category="4. Models",
        ),
        force_year_estimates=report(
            f"{TABLES}/force_year_estimates.csv", caption="../report/force_year_estimates.rst", category="4. Models"
        ),
        national_estimates=report(
            f"{TABLES}/national_estimates.csv", caption="../report/national_estimates.rst", category="4. Models"
        ),
        constraints=report(
            f"{TABLES}/imputation_constraints.csv",
            caption="../report/imputation_constraints.rst",
            category="4. Models",
        ),
        selection=report(
            f"{TABLES}/selection_factors.csv", caption="../report/selection_factors.rst", category="4. Models"
        ),
        national_draws=f"{MODELS}/national_draws.csv",
        panel_values_used=report(
            f"{TABLES}/panel_values_used_by_models.csv",
            caption="../report/panel_values_used_by_models.rst",
            category="4. Models",
        ),
    log:
        f"{LOGS}/impute_missing_cells.log",
    priority: 2  # the longest jobs of a cold run: started before shorter ones
    conda:
        ENV
    params:
        **MODEL_SETUP,
        summary_geographies=config["models"]["imputation"]["summary_geographies"],
        proposals_per_draw=config["models"]["imputation"]["proposals_per_draw"],
        proposal=config["models"]["imputation"]["proposal"],
        min_cells_for_estimate=config["models"]["min_cells_for_estimate"],
        draws=config["models"]["imputation"]["draws"],
        seed=config["models"]["imputation"]["seed"],
    script:
        "../scripts/impute_missing_cells.py"


rule check_published_totals:
    """Predict every usable published total without any total covering its unprinted cells, under the new
    model, the new model without its selection factor, and the previous method."""
    input:
        code=code("workflow/scripts/check_published_totals.py"),
        series_models=rules.fit_count_models.output.series_models,
    output:
        checks=report(
            f"{TABLES}/published_total_checks.csv",
            caption="../report/published_total_checks.rst",
            category="4. Models",
        ),
    log:
        f"{LOGS}/check_published_totals.log",
    priority: 3  # a cold run's second longest job, on the chain to chapter 4: second
    conda:
        ENV
    params:
        **MODEL_SETUP,
        draws=config["models"]["validation"]["total_draws"],
        proposals_per_draw=config["models"]["validation"]["proposals_per_draw"],
        proposal=config["models"]["validation"]["proposal"],
        seed=config["models"]["validation"]["seed"],
        min_effective_sample_size=config["models"]["validation"]["min_effective_sample_size"],
    script:
        "../scripts/check_published_totals.py"


rule check_calibration:
    """Hold out every printed cell of one force, then of one year, refit, and score the held-out cells' 90%
    intervals under the new model and the previous one."""
    input:
        code=code("workflow/scripts/check_calibration.py"),
        series_models=rules.fit_count_models.output.series_models,
    output:
        cells=report(f"{TABLES}/calibration_cells.csv", caption="../report/calibration_cells.rst", category="4. Models"),
    log:
        f"{LOGS}/check_calibration.log",
    priority: 4  # a cold run's longest job, on its longest chain (to chapter 4): first
    conda:
        ENV
    params:
        **MODEL_SETUP,
        draws=config["models"]["validation"]["cell_draws"],
        proposals_per_draw=config["models"]["validation"]["proposals_per_draw"],
        proposal=config["models"]["validation"]["proposal"],
        seed=config["models"]["validation"]["seed"],
        min_effective_sample_size=config["models"]["validation"]["min_effective_sample_size"],
    script:
        "../scripts/check_calibration.py"


rule check_cell_calibration:
    """Hold out each printed cell in turn, refit, and score its 90% interval under the new model and
    the previous one, with no published total and with the totals that contain it applied: the two
    methods' printed-cell widths like for like, at every nominal level too."""
    input:
        code=code("workflow/scripts/check_cell_calibration.py"),
        series_models=rules.fit_count_models.output.series_models,
    output:
        cells=report(
            f"{TABLES}/calibration_cells_one_out.csv",
            caption="../report/calibration_cells_one_out.rst",
            category="4. Models",
        ),
        curves=report(
            f"{TABLES}/calibration_curves.csv",
            caption="../report/calibration_curves.rst",
            category="4. Models",
        ),
        widths=report(
            f"{TABLES}/printed_cell_width_comparison.csv",
            caption="../report/printed_cell_width_comparison.rst",
            category="4. Models",
        ),
    log:
        f"{LOGS}/check_cell_calibration.log",
    priority: 2  # the longest jobs of a cold run: started before shorter ones
    conda:
        ENV
    params:
        **MODEL_SETUP,
        draws=config["models"]["validation"]["one_out_draws"],
        proposals_per_draw=config["models"]["validation"]["proposals_per_draw"],
        with_totals=config["models"]["validation"]["cell_checks_with_totals"],
        width_series=config["models"]["validation"]["printed_cell_width_series"],
        seed=config["models"]["validation"]["seed"],
    script:
        "../scripts/check_cell_calibration.py"


rule compare_model_structures:
    """Fit the mixed model with random force slopes and with a dispersion trend over years, and score
    each beside the plain structure by its marginal likelihood and by leave-one-cell-out."""
    input:
        code=code("workflow/scripts/compare_model_structures.py"),
        series_models=rules.fit_count_models.output.series_models,
    output:
        structures=report(
            f"{TABLES}/model_structure_checks.csv",
            caption="../report/model_structure_checks.rst",
            category="4. Models",
        ),
    log:
        f"{LOGS}/compare_model_structures.log",
    priority: 6  # short, and chapter 4 waits for it: first, so the longer checks end together
    conda:
        ENV
    params:
        draws=config["models"]["validation"]["one_out_draws"],
        seed=config["models"]["validation"]["seed"],
    script:
        "../scripts/compare_model_structures.py"


rule compare_imputation_models:
    """Coverage and width of every model's 90% intervals under every validation scheme, side by side."""
    input:
        code=code("workflow/scripts/compare_imputation_models.py"),
        total_checks=f"{TABLES}/published_total_checks.csv",
        cell_checks=f"{TABLES}/calibration_cells.csv",
        one_out_checks=f"{TABLES}/calibration_cells_one_out.csv",
    output:
        summary=report(f"{TABLES}/calibration.csv", caption="../report/calibration.rst", category="4. Models"),
    log:
        f"{LOGS}/compare_imputation_models.log",
    priority: 3  # on a cold run's longest chain, to chapter 4: before shorter jobs
    conda:
        ENV
    script:
        "../scripts/compare_imputation_models.py"


rule fit_flag_propensity:
    """Binomial model of the flagged share; growth in flagged offences split into all offences and share."""
    input:
        code=code("workflow/scripts/fit_flag_propensity.py"),
        panel=f"{TABLES}/panel.csv",
    output:
        shares=report(f"{TABLES}/flag_share.csv", caption="../report/flag_share.rst", category="4. Models"),
        decomposition=report(
            f"{TABLES}/flag_decomposition.csv", caption="../report/flag_decomposition.rst", category="4. Models"
        ),
        pairs=report(f"{TABLES}/flag_pairs.csv", caption="../report/flag_pairs.rst", category="4. Models"),
        quarantined=report(
            f"{TABLES}/flag_pairs_quarantined.csv",
            caption="../report/flag_pairs_quarantined.rst",
            category="4. Models",
        ),
    log:
        f"{LOGS}/fit_flag_propensity.log",
    priority: 3  # short, and chapter 4 waits for it: not left for the end of a cold run
    conda:
        ENV
    params:
        flagged_series=config["models"]["flag_propensity"]["flagged_series"],
        all_series=config["models"]["flag_propensity"]["all_series"],
        decompositions=config["models"]["flag_propensity"]["decompositions"],
    script:
        "../scripts/fit_flag_propensity.py"


rule fit_structural_breaks:
    """Interrupted time series: trend plus level steps for s.15A (2017/18) and the pandemic year; the s.15A step
    beside the published arithmetic."""
    input:
        code=code("workflow/scripts/fit_structural_breaks.py"),
        panel=f"{TABLES}/panel.csv",
        claim_records=f"{INTERIM}/claim_records.csv",
        police_forces=config["raw_data"]["police_forces"],
        geographies=config["claims"]["geographies"],
    output:
        coefficients=report(
            f"{TABLES}/structural_breaks.csv", caption="../report/structural_breaks.rst", category="4. Models"
        ),
        trends=report(
            f"{TABLES}/trend_with_and_without_s15a.csv",
            caption="../report/trend_with_and_without_s15a.rst",
            category="4. Models",
        ),
        s15a_step=report(f"{TABLES}/s15a_step.csv", caption="../report/s15a_step.rst", category="4. Models"),
    log:
        f"{LOGS}/fit_structural_breaks.log",
    priority: 3  # short, and chapter 4 waits for it: not left for the end of a cold run
    conda:
        ENV
    params:
        **config["models"]["structural_breaks"],
        geography=config["models"]["geography"],
        alpha_method=config["models"]["alpha_method"],
        min_cells_for_estimate=config["models"]["min_cells_for_estimate"],
    script:
        "../scripts/fit_structural_breaks.py"
