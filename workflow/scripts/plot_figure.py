"""Rules plot_*: draw one report figure. Which one is the rule's `figure` param."""
from online_csa.script_logging import redirect_stderr

redirect_stderr(snakemake)  # noqa: F821

from online_csa import figures  # noqa: E402
from online_csa.tables import read_table  # noqa: E402

inp, par = snakemake.input, snakemake.params
if par.figure == "panel_coverage":
    fig = figures.plot_panel_coverage(read_table(inp.panel, "panel"), par.series_labels)
elif par.figure == "national_series":
    fig = figures.plot_national_series(read_table(inp.claims, "claims"), read_table(inp.panel, "panel"), par.series)
elif par.figure == "force_rates":
    fig = figures.plot_force_rates(read_table(inp.panel, "panel"), par.series)
elif par.figure == "claim_verdicts":
    fig = figures.plot_claim_verdicts(read_table(inp.claims, "claims"))
else:
    raise ValueError(f"unknown figure {par.figure!r}")
figures.save(fig, snakemake.output.png, par.dpi)
