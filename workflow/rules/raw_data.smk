rule verify_raw_data:
    """Recompute the sha256 of every raw file in the registry; stop, naming the file, if one differs."""
    input:
        code=code("workflow/scripts/verify_raw_data.py"),
        registry=config["raw_data"]["registry"],
        files=[
            config["raw_data"][k]
            for k in (
                "force_figures",
                "national_figures",
                "police_forces",
                "child_population",
                "under_recording_parameters",
            )
        ],
    output:
        checksums=report(
            f"{TABLES}/raw_data_checksums.csv", caption="../report/raw_data_checksums.rst", category="1. Raw data"
        ),
    log:
        f"{LOGS}/verify_raw_data.log",
    conda:
        ENV
    script:
        "../scripts/verify_raw_data.py"
