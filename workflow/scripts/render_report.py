"""Rule render_report: executed chapter notebooks -> results/report/report.html."""
from online_csa.rule_support.script_logging import redirect_stderr

redirect_stderr(snakemake)  # noqa: F821

from online_csa.report.html_report import render_html  # noqa: E402

html = render_html(list(snakemake.input.chapters), snakemake.params.title)
with open(snakemake.output.html, "w", encoding="utf-8") as handle:
    handle.write(html)
