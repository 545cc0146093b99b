"""The PDF converter, the stand-alone notebook context and the run record."""
import base64
import json
import re

import nbformat
import numpy as np
import pandas as pd
import pytest

from online_csa.sensitivity.distributions import parse_assumptions
from online_csa.report.narrative import TABLE_MIMETYPE, table_data
from online_csa.rule_support.pipeline_job import job_from_file, pipeline_job, project_root
from online_csa.report.run_record import package_versions, seeds
from online_csa.sensitivity.monte_carlo import claim_support, joint_metrics
from online_csa.sensitivity.recorded_totals import RecordedTotals
from online_csa.sensitivity.trend_claims import Threshold, TrendClaim
from online_csa.report.pdf_report import compile_pdf, escape, inline, markdown, pdf_page_count, report_markup


def test_plain_text_never_becomes_typst_markup():
    text = "#set page(x) $1 * 2_3 @ref <label> [a] // not a comment ~ \\ = + -"
    escaped = escape(text)
    assert re.search(r"(?<!\\)[#$*_@<>\[\]~=+\-/()]", escaped.replace("\\\\", "")) is None


def test_inline_markdown_becomes_typst_functions_that_end_with_a_semicolon():
    assert inline("**8,224** offences") == "#strong[8,224]; offences"
    assert inline("the `*_ratio` keys") == 'the #raw("*_ratio"); keys'
    assert inline("[ONS](https://ons.gov.uk/a_b)") == '#link("https://ons.gov.uk/a_b")[ONS];'
    assert inline("*doubled* (since)") == "#emph[doubled]; \\(since\\)"
    assert inline("a * b and x_y") == "a \\* b and x\\_y"  # not emphasis


def test_block_markdown_headings_lists_quotes_code_and_pipe_tables():
    out = markdown("# 5. Title\n\nText\nmore.\n\n* one\n* two\n  continued\n\n> quoted\n\n"
                   "```yaml\na: 1\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert out.startswith("= 5. Title\n")
    assert "Text more." in out
    assert "- one\n- two continued" in out
    assert "#quote(block: true)[quoted]" in out
    assert '#raw("a: 1", block: true, lang: "yaml")' in out
    assert "#table(columns:" in out and "[1], [2]" in out


def synthetic_chapter(tmp_path) -> str:
    png = tmp_path / "synthetic.png"
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, 1], [0, 1])
    fig.savefig(png)
    rows = pd.DataFrame({"force": [f"Synthetic force {i}" for i in range(12)], "value": np.arange(12) * 1.5})
    nb = nbformat.v4.new_notebook(metadata={"language_info": {"name": "python"}})
    nb.cells = [nbformat.v4.new_markdown_cell("# 1. Synthetic chapter\n\nA *made-up* table:"),
                nbformat.v4.new_code_cell("table(rows)")]
    nb.cells[1].outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": "<table/>", TABLE_MIMETYPE: table_data(rows)}),
        nbformat.v4.new_output("display_data", data={"text/markdown": "Median **3.5**."}),
        nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(png.read_bytes()).decode()}),
    ]
    path = tmp_path / "01-synthetic.ipynb"
    nbformat.write(nb, path)
    return str(path)


def test_a_synthetic_chapter_compiles_to_a_pdf_with_its_table_cut_and_its_figure(tmp_path):
    chapter = synthetic_chapter(tmp_path)
    source = report_markup([chapter], "Synthetic report", tmp_path / "figures", max_table_rows=5)
    assert "[Synthetic force 4]" in source and "Synthetic force 5" not in source
    assert "and 7 more rows in the CSV file" in source
    assert '#image("figures/chapter1-figure01.png"' in source
    assert "#strong[3.5];" in source
    (tmp_path / "report.typ").write_text(source)
    compile_pdf(tmp_path / "report.typ", tmp_path / "report.pdf", tmp_path)
    pdf = (tmp_path / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pdf_page_count(pdf) >= 2  # title and contents, then the chapter
    compile_pdf(tmp_path / "report.typ", tmp_path / "again.pdf", tmp_path)
    assert (tmp_path / "again.pdf").read_bytes() == pdf  # no timestamp: same source, same bytes


def test_a_notebook_outside_snakemake_reads_its_job_from_jobs_json(tmp_path):
    (tmp_path / "Snakefile").write_text("")
    (tmp_path / "workflow").mkdir()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "results/notebooks").mkdir(parents=True)
    (tmp_path / "results/notebooks/jobs.json").write_text(json.dumps(
        {"notebook_synthetic": {"input": {"panel": "results/tables/panel.csv", "pair": ["a.csv", "b.csv"]},
                                "params": {"draws": 10}}}))
    assert project_root(tmp_path / "notebooks") == tmp_path
    job = job_from_file("notebook_synthetic", tmp_path)
    assert job.input.panel == str(tmp_path / "results/tables/panel.csv")
    assert job.input["pair"] == [str(tmp_path / "a.csv"), str(tmp_path / "b.csv")]
    assert job.params.draws == 10
    injected = object()
    assert pipeline_job({"snakemake": injected}, "notebook_synthetic") is injected
    with pytest.raises(KeyError, match="no job 'notebook_other'"):
        job_from_file("notebook_other", tmp_path)
    (tmp_path / "results/notebooks/jobs.json").unlink()
    with pytest.raises(FileNotFoundError, match="run ./run_pipeline.sh once"):
        job_from_file("notebook_synthetic", tmp_path)


def test_claim_support_counts_the_draws_in_which_a_claim_holds():
    # synthetic totals: recorded ratio exactly 2 in every draw; fixed assumptions scale it exactly
    # (a one-year comparison, so the per-year ratio is the ratio over the span)
    totals = RecordedTotals(observed={"2017/18": 0.0, "2018/19": 0.0},
                            imputed={"2017/18": np.full(50, 100.0), "2018/19": np.full(50, 200.0)}, s15a={})
    claim = TrendClaim("C", "synthetic doubling", "2017/18", "2018/19", 100.0, 200.0, "",
                       tuple(Threshold(t, f"ratio {t}") for t in (1.0, 2.0, 2.5)))
    specs = {"flag_completeness": {"dist": "fixed", "value": 1}, "recording_compliance": {"dist": "fixed", "value": 1},
             "reporting_rate": {"dist": "fixed", "value": 1},
             "recording_compliance_ratio_per_year": {"dist": "fixed", "value": 1},
             "reporting_rate_ratio_per_year": {"dist": "fixed", "value": 1},
             "nonresponse_multiplier": {"dist": "fixed", "value": 1}, "s15a_flagged_share": {"dist": "fixed", "value": 1},
             "flag_completeness_ratio_per_year": {"dist": "uniform", "low": 0.5, "high": 1.5}}
    joint = joint_metrics(totals, [claim], parse_assumptions(specs), True, 20000, 3)
    support = claim_support(joint, [claim]).set_index("threshold")
    assert support["share_holding_recorded"].tolist() == [1.0, 1.0, 0.0]
    # adjusted ratio = 2 * U(0.5, 1.5): >= 1 always, >= 2 half the time, >= 2.5 a quarter of the time
    assert support.loc[1.0, "share_holding_adjusted"] == 1.0
    assert support.loc[2.0, "share_holding_adjusted"] == pytest.approx(0.5, abs=0.01)
    assert support.loc[2.5, "share_holding_adjusted"] == pytest.approx(0.25, abs=0.01)


def test_the_run_record_names_installed_versions_and_every_seed():
    versions = {r["package"]: r["version"] for r in package_versions()}
    assert versions["pandas"] == pd.__version__ and versions["numpy"] == np.__version__
    config = {"models": {"imputation": {"seed": 1, "draws": 10}, "validation": {"seed": 2, "total_draws": 20}},
              "monte_carlo": {"seed": 3, "draws": 30}}
    rows = seeds(config, {"baseline": {"monte_carlo": {"seed": 3, "draws": 30}},
                          "synthetic": {"monte_carlo": {"seed": 4, "draws": 5}}})
    assert [r["seed"] for r in rows] == [1, 2, 3, 4]
