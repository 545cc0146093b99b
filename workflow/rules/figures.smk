# Each chapter's figures: the function of online_csa.figures that draws each one (the `draw` param names
# it: to change the tornado, edit model_figures.plot_tornado), the tables it reads, its params and its
# caption. The chapter's own job (report.smk) draws them before it runs the chapter, so matplotlib's
# start-up is paid once per chapter, not once more in a job of its own; each figure is still an output
# of that job, with its caption. A function's arguments are the job's inputs (read as tables) and params
# of the same names (online_csa.figures.drawing).

from types import SimpleNamespace  # noqa: E402

from online_csa.configuration.validation import read_yaml  # noqa: E402

# The national totals the figures draw: geography id -> name in the legend (config/geographies.yaml)
NATIONAL_GEOGRAPHIES = read_yaml(config["claims"]["geographies"])["national_series_figure"]


def chapter_figures(input, output, draw, **params):
    """One chapter's figures: `output` (name -> PNG), `draw` (name -> function) and what they read."""
    return SimpleNamespace(input=input, output=output, params={"draw": draw, **params, "dpi": config["figures"]["dpi"]})


CHAPTER_FIGURES = {
    # Chapter 02: which force-years the ledger covers; offences per 100,000 children by force.
    "cleaning": chapter_figures(
        input={"panel": f"{TABLES}/panel.csv"},
        output={
            "panel_coverage": report(
                f"{FIGURES}/panel_coverage.png", caption="../report/panel_coverage.rst", category="2. Cleaning"
            ),
            "force_rates": report(
                f"{FIGURES}/force_rates.png", caption="../report/force_rates.rst", category="2. Cleaning"
            ),
        },
        draw={
            "panel_coverage": "data_figures.plot_panel_coverage",
            "force_rates": "data_figures.plot_force_rates",
        },
        series_labels=SERIES_LABELS,
        series=config["figures"]["focus_series"],
    ),
    # Chapter 03: claim verdicts at a glance; national totals as printed beside the force sums.
    "claims": chapter_figures(
        input={"panel": f"{TABLES}/panel.csv", "claims": f"{TABLES}/claims.csv"},
        output={
            "claim_verdicts": report(
                f"{FIGURES}/claim_verdicts.png", caption="../report/claim_verdicts.rst", category="3. Claims"
            ),
            "national_series": report(
                f"{FIGURES}/national_series.png", caption="../report/national_series.rst", category="3. Claims"
            ),
        },
        draw={
            "claim_verdicts": "data_figures.plot_claim_verdicts",
            "national_series": "data_figures.plot_national_series",
        },
        series=config["figures"]["focus_series"],
        national_geographies=NATIONAL_GEOGRAPHIES,
    ),
    # Chapter 04: imputed national totals, every force-year of the focus series, the flagged share.
    "models": chapter_figures(
        input={
            "national": f"{TABLES}/national_estimates.csv",
            "claims": f"{TABLES}/claims.csv",
            "cells": f"{TABLES}/force_year_estimates.csv",
            "pairs": f"{TABLES}/flag_pairs.csv",
            "shares": f"{TABLES}/flag_share.csv",
        },
        output={
            "imputed_totals": report(
                f"{FIGURES}/imputed_totals.png", caption="../report/imputed_totals.rst", category="4. Models"
            ),
            "imputed_force_cells": report(
                f"{FIGURES}/imputed_force_cells.png",
                caption="../report/imputed_force_cells.rst",
                category="4. Models",
            ),
            "flagged_share": report(
                f"{FIGURES}/flagged_share.png", caption="../report/flagged_share.rst", category="4. Models"
            ),
        },
        draw={
            "imputed_totals": "model_figures.plot_imputed_totals",
            "imputed_force_cells": "model_figures.plot_imputed_force_cells",
            "flagged_share": "model_figures.plot_flagged_share",
        },
        series_labels=SERIES_LABELS,
        geography=config["sensitivity"]["geography"],
        national_geographies=NATIONAL_GEOGRAPHIES,
        series=config["figures"]["focus_series"],
    ),
    # Chapter 05 (baseline scenario): one-way sensitivity of the headline metrics; the first trend
    # claim's adjusted ratio as each assumption moves, with its thresholds and tipping points.
    "sensitivity": chapter_figures(
        input={
            "tornado": f"{BASELINE_RESULTS}/tornado.csv",
            "curves": f"{BASELINE_RESULTS}/tipping_curves.csv",
            "points": f"{BASELINE_RESULTS}/tipping_points.csv",
        },
        output={
            "tornado": report(f"{FIGURES}/tornado.png", caption="../report/tornado.rst", category="5. Sensitivity"),
            "tipping_curves": report(
                f"{FIGURES}/tipping_curves.png", caption="../report/tipping_curves.rst", category="5. Sensitivity"
            ),
        },
        draw={"tornado": "model_figures.plot_tornado", "tipping_curves": "model_figures.plot_tipping_curves"},
        metrics=[
            ratio_metric("adjusted", TREND_CLAIMS[0]["from_year"], TREND_CLAIMS[0]["to_year"]),
            adjusted_total_metric(TREND_CLAIMS[0]["claim_id"], TREND_CLAIMS[0]["to_year"], LATER),
        ],
        claim_id=TREND_CLAIMS[0]["claim_id"],
    ),
    # Chapter 06: the named scenarios side by side on the headline metrics.
    "scenarios": chapter_figures(
        input={"comparison": f"{TABLES}/scenario_comparison.csv"},
        output={
            "scenario_comparison": report(
                f"{FIGURES}/scenario_comparison.png",
                caption="../report/scenario_comparison_figure.rst",
                category="6. Scenarios",
            )
        },
        draw={"scenario_comparison": "model_figures.plot_scenario_comparison"},
    ),
}
