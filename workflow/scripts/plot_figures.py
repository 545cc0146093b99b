"""Rules plot_*_figures: draw one chapter's figures. Each output is a figure, drawn by the function
the rule's `draw` param names for it."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals())  # several rules run this script (by hand, --rule picks one)

from online_csa.figures.data_figures import save  # noqa: E402
from online_csa.figures.drawing import draw_figure  # noqa: E402

for name, path in snakemake.output.items():
    save(draw_figure(snakemake.params.draw[name], snakemake.input, snakemake.params), path, snakemake.params.dpi)
