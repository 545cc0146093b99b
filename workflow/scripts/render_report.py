"""Rule render_report: the findings, the executed chapters, the explorer and the run stamp ->
results/report/report.html."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals(), "render_report")

from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

from online_csa.report.html_report import read_captions, render_html  # noqa: E402
from online_csa.report.run_stamp import front_and_back  # noqa: E402

inp, par = snakemake.input, snakemake.params
explorer = Path(inp.explorer).read_text(encoding="utf-8")
front, back = front_and_back(inp.stamp, inp.config_changes)
html = render_html(list(inp.chapters), par.title, explorer, front=front, back=back, findings=pd.read_csv(inp.findings),
                   findings_figure=Path(inp.findings_figure), captions=read_captions(list(inp.captions)),
                   inline_table_rows=par.inline_table_rows)
with open(snakemake.output.html, "w", encoding="utf-8") as handle:
    handle.write(html)
