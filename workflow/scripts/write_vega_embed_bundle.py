"""Rule vega_embed_bundle: the Vega-Embed JavaScript bundle (Vega, Vega-Lite and Vega-Embed) from
vl-convert, for the Vega-Lite version Altair writes, so the explorer works offline. Building it
takes seconds, so it is written once per version and the explorer reads the file."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals(), "vega_embed_bundle")

from online_csa.report.assumptions_explorer import vega_embed_bundle  # noqa: E402

with open(snakemake.output.js, "w", encoding="utf-8") as handle:
    handle.write(vega_embed_bundle())
