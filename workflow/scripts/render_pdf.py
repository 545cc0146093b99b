"""Rule render_pdf: the findings, the run stamp and the executed chapters as one PDF (typst written
by pandoc)."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals(), "render_pdf")

import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

from online_csa.report.html_report import read_captions  # noqa: E402
from online_csa.report.pdf_report import compile_pdf, report_markup  # noqa: E402
from online_csa.report.run_stamp import front_and_back  # noqa: E402

inp, par, out = snakemake.input, snakemake.params, snakemake.output
front, back = front_and_back(inp.stamp, inp.config_changes)
with tempfile.TemporaryDirectory() as workdir:
    root = Path(workdir)
    source = root / "report.typ"
    source.write_text(report_markup(list(inp.chapters), par.title, root / "figures", par.max_table_rows, front, back,
                                    inline_table_rows=par.inline_table_rows, findings=pd.read_csv(inp.findings),
                                    findings_figure=Path(inp.findings_figure),
                                    captions=read_captions(list(inp.captions))))
    compile_pdf(source, Path(out.pdf).resolve(), root)
