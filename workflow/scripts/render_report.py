"""Rule render_report: executed chapter notebooks -> results/report/report.html."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals(), "render_report")

from online_csa.report.html_report import render_html  # noqa: E402
from online_csa.report.run_stamp import front_and_back  # noqa: E402

with open(snakemake.input.explorer, encoding="utf-8") as handle:
    explorer = handle.read()
front, back = front_and_back(snakemake.input.stamp, snakemake.input.config_changes)
html = render_html(list(snakemake.input.chapters), snakemake.params.title, explorer, front=front, back=back)
with open(snakemake.output.html, "w", encoding="utf-8") as handle:
    handle.write(html)
