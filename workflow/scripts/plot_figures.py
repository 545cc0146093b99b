"""Rules plot_*_figures: draw one chapter's figures. Each output is named after its figure."""
from online_csa.rule_support.script_logging import redirect_stderr

redirect_stderr(snakemake)  # noqa: F821

import pandas as pd  # noqa: E402

from online_csa.figures import data_figures as figures, model_figures  # noqa: E402
from online_csa.common.tables import read_table  # noqa: E402

inp, par = snakemake.input, snakemake.params  # noqa: F821

# figure name -> how to draw it from this rule's inputs and params
DRAW = {
    "panel_coverage": lambda: figures.plot_panel_coverage(read_table(inp.panel, "panel"), par.series_labels),
    "force_rates": lambda: figures.plot_force_rates(read_table(inp.panel, "panel"), par.series),
    "claim_verdicts": lambda: figures.plot_claim_verdicts(read_table(inp.claims, "claims")),
    "national_series": lambda: figures.plot_national_series(read_table(inp.claims, "claims"),
                                                            read_table(inp.panel, "panel"), par.series,
                                                            par.national_geographies),
    "imputed_totals": lambda: model_figures.plot_imputed_totals(
        pd.read_csv(inp.national_estimates), read_table(inp.claims, "claims"), par.series_labels, par.geography,
        par.national_geographies),
    "imputed_force_cells": lambda: model_figures.plot_imputed_force_cells(pd.read_csv(inp.force_year_estimates),
                                                                          par.series),
    "flagged_share": lambda: model_figures.plot_flagged_share(pd.read_csv(inp.pairs), pd.read_csv(inp.shares)),
    "tornado": lambda: model_figures.plot_tornado(pd.read_csv(inp.tornado), par.metrics),
    "tipping_curves": lambda: model_figures.plot_tipping_curves(pd.read_csv(inp.tipping_curves),
                                                                pd.read_csv(inp.tipping_points), par.claim_id),
    "scenario_comparison": lambda: model_figures.plot_scenario_comparison(pd.read_csv(inp.comparison)),
}

for name, path in snakemake.output.items():  # noqa: F821
    figures.save(DRAW[name](), path, par.dpi)
