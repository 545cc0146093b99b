"""Rule render_pdf: the executed chapters as one PDF (typst source built from the notebooks)."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals(), "render_pdf")

import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

from online_csa.report.pdf_report import compile_pdf, report_markup  # noqa: E402
from online_csa.report.run_stamp import front_and_back  # noqa: E402

inp, par, out = snakemake.input, snakemake.params, snakemake.output
front, back = front_and_back(inp.stamp, inp.config_changes)
with tempfile.TemporaryDirectory() as workdir:
    root = Path(workdir)
    source = root / "report.typ"
    source.write_text(report_markup(list(inp.chapters), par.title, root / "figures", par.max_table_rows,
                                      front, back))
    compile_pdf(source, Path(out.pdf).resolve(), root)
