"""Rule vega_embed_bundle: the Vega-Embed JavaScript bundle (Vega, Vega-Lite and Vega-Embed) from
vl-convert, for the Vega-Lite version Altair writes, so the explorer works offline. Building it
takes about 3 s of CPU, so the repository keeps it for the pinned versions (workflow/report/vendor/,
tools/vendor_vega_embed.py) and the job copies that file; with other versions installed it builds
the bundle."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals(), "vega_embed_bundle")

from pathlib import Path  # noqa: E402

from online_csa.report.assumptions_explorer import vega_embed_bundle  # noqa: E402

vendored = Path(snakemake.params.vendored)
bundle = vendored.read_text(encoding="utf-8") if vendored.is_file() else vega_embed_bundle()
with open(snakemake.output.js, "w", encoding="utf-8") as handle:
    handle.write(bundle)
