"""Rules plot_* of the models and sensitivity stages: draw one figure, named by the `figure` param."""
from online_csa.script_logging import redirect_stderr

redirect_stderr(snakemake)  # noqa: F821

import pandas as pd  # noqa: E402

from online_csa import model_figures  # noqa: E402
from online_csa.figures import save  # noqa: E402
from online_csa.tables import read_table  # noqa: E402

inp, par = snakemake.input, snakemake.params  # noqa: F821
if par.figure == "imputed_totals":
    fig = model_figures.plot_imputed_totals(pd.read_csv(inp.national_estimates), read_table(inp.claims, "claims"),
                                            par.series_labels, par.geography)
elif par.figure == "imputed_force_cells":
    fig = model_figures.plot_imputed_force_cells(pd.read_csv(inp.force_year_estimates), par.series)
elif par.figure == "tornado":
    fig = model_figures.plot_tornado(pd.read_csv(inp.tornado), par.metrics)
elif par.figure == "tipping_curves":
    fig = model_figures.plot_tipping_curves(pd.read_csv(inp.tipping_curves), pd.read_csv(inp.tipping_points),
                                            par.claim_id)
elif par.figure == "scenario_comparison":
    fig = model_figures.plot_scenario_comparison(pd.read_csv(inp.comparison))
elif par.figure == "flagged_share":
    fig = model_figures.plot_flagged_share(pd.read_csv(inp.pairs), pd.read_csv(inp.shares))
else:
    raise ValueError(f"unknown figure {par.figure!r}")
save(fig, snakemake.output.png, par.dpi)  # noqa: F821
