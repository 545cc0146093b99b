# Models: the NB count model and the imputation of missing force-years, its leave-one-out
# calibration, the flagged share, and structural breaks. None reads the under-recording
# assumptions, so changing one never reruns these.

MODELS = "results/models"


rule impute_missing_cells:
    """Fit the NB count model per series and impute every missing force-year, limited by published totals."""
    input:
        code=code("workflow/scripts/impute_missing_cells.py"),
        panel=f"{TABLES}/panel.csv",
        claim_records=f"{INTERIM}/claim_records.csv",
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
        national_draws=f"{MODELS}/national_draws.csv",
    log:
        f"{LOGS}/impute_missing_cells.log",
    priority: 20  # scheduling only (outputs do not depend on it): the six sensitivity jobs wait for this one
    conda:
        ENV
    params:
        geography=config["models"]["geography"],
        series=config["models"]["series"],
        alpha_method=config["models"]["alpha_method"],
        summary_geographies=config["models"]["imputation"]["summary_geographies"],
        national_constraints=config["models"]["imputation"]["national_constraints"],
        draws=config["models"]["imputation"]["draws"],
        seed=config["models"]["imputation"]["seed"],
    script:
        "../scripts/impute_missing_cells.py"


rule check_calibration:
    """Leave each observed cell out, refit, and check how often its 90% prediction interval covers it."""
    input:
        code=code("workflow/scripts/check_calibration.py"),
        panel=f"{TABLES}/panel.csv",
        police_forces=config["raw_data"]["police_forces"],
        geographies=config["claims"]["geographies"],
    output:
        cells=report(f"{TABLES}/calibration_cells.csv", caption="../report/calibration_cells.rst", category="4. Models"),
        summary=report(f"{TABLES}/calibration.csv", caption="../report/calibration.rst", category="4. Models"),
    log:
        f"{LOGS}/check_calibration.log",
    priority: 10  # scheduling only: the longest job, so start it as soon as the panel exists
    conda:
        ENV
    params:
        geography=config["models"]["geography"],
        series=config["models"]["calibration"]["series"],
        draws=config["models"]["calibration"]["draws"],
        seed=config["models"]["calibration"]["seed"],
    script:
        "../scripts/check_calibration.py"


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
    conda:
        ENV
    params:
        flagged_series=config["models"]["flag_propensity"]["flagged_series"],
        all_series=config["models"]["flag_propensity"]["all_series"],
        decompositions=config["models"]["flag_propensity"]["decompositions"],
    script:
        "../scripts/fit_flag_propensity.py"


rule fit_structural_breaks:
    """Interrupted time series: trend plus level steps for s.15A (2017/18) and the pandemic year."""
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
    log:
        f"{LOGS}/fit_structural_breaks.log",
    conda:
        ENV
    params:
        **config["models"]["structural_breaks"],
        geography=config["models"]["geography"],
        alpha_method=config["models"]["alpha_method"],
    script:
        "../scripts/fit_structural_breaks.py"
