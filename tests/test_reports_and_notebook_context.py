"""The PDF converter, the stand-alone notebook context and the run record."""
import base64
import html
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
from online_csa.report.pdf_report import (PAGE_CHARACTERS, PDF_LONG_CELL_CHARACTERS, appendix_table, cell_markup,
                                         cited_records, column_plan, compile_pdf, escape, pdf_page_count, report_markup,
                                         segments, shorten_cell, table_markup)


def test_plain_text_never_becomes_typst_markup():
    text = "#set page(x) $1 * 2_3 @ref <label> [a] // not a comment ~ \\ = + -"
    escaped = escape(text)
    assert re.search(r"(?<!\\)[#$*_@<>\[\]~=+\-/()]", escaped.replace("\\\\", "")) is None


def test_long_words_wrap_at_boxes_never_at_invisible_characters():
    assert segments("H01b_doubling_release_totals", 16) == ["H01b_", "doubling_", "release_", "totals"]
    assert segments("a" * 20, 8) == ["a" * 8, "a" * 8, "a" * 4]
    assert cell_markup("short H01b_doubling", 16) == "short #box[H01b\\_]#box[doubling]"
    markup = table_markup(["published_value", "record_ids"], [["8224", "F0070;" + "x" * 40]])
    assert "\u200b" not in markup
    assert "[#strong[published value]]" in markup  # headers wrap between words


def test_columns_are_never_narrower_than_their_longest_unbroken_piece():
    rows = [["a" * 30, "b" * 12, "x"], ["c", "d", "y"]]
    weights, longest = column_plan(["first", "second", "third"], rows)
    assert longest == 16 and weights == [30, 12, 5]
    wide = [["w" * 60] * 12]  # too wide for the page: pieces are cut shorter until each fits its column
    weights, longest = column_plan([f"c{i}" for i in range(12)], wide)
    width = PAGE_CHARACTERS / sum(weights)  # characters per unit of weight
    assert longest < 16 and all(longest <= w * width for w in weights)


def test_the_rows_a_cut_table_hides_keep_their_record_ids():
    table = {"columns": ["force", "record_ids"], "rows": [["A", "F0001"], ["B", "F0070;F0071"], ["C", "N0050"]]}
    markup = appendix_table("Table A1. Panel", table, max_table_rows=1)
    assert "Record ids cited in the rows not shown or the text cut short: F0070, F0071, N0050." in markup
    assert cited_records([["x F0002 and N0001;F0002"]]) == ["F0002", "N0001"]


def test_a_long_appendix_cell_is_cut_short_in_the_pdf_and_keeps_its_record_ids():
    """A cell of 40 record ids (as the provenance appendix's input_record_ids) is a few lines, not a
    column of them; the ids cut off are listed under the table."""
    ids = ";".join(f"F{i:04d}" for i in range(100, 140))
    shown, rest = shorten_cell(ids)
    assert len(shown) < PDF_LONG_CELL_CHARACTERS + 45 and shown.endswith(f"… ({len(ids):,} characters in the HTML report)")
    assert shown.startswith("F0100;") and (shown.split(" …")[0] + rest) == ids
    markup = appendix_table("Table A1. Claims", {"columns": ["claim_id", "input_record_ids"],
                                                 "rows": [["S1", ids]]}, max_table_rows=5)
    assert "F0139" not in markup.split("#emph[", 2)[1].split("]]")[0]  # not in the table's cells ...
    assert "cut short: " in markup and "F0139." in markup              # ... but under it
    assert shorten_cell("short text") == ("short text", "")


def test_numbers_are_never_broken_inside_in_the_pdf():
    assert segments("1.150/yr,", 16) == ["1.150/", "yr,"]
    assert segments("2014/15,", 16) == ["2014/15,"]


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


def synthetic_findings() -> pd.DataFrame:
    return pd.DataFrame([
        {"claim": "Synthetic claim: 8,224 offences", "records": "N9050", "checked_as": "N9050", "verdict": "consistent",
         "data_value": 5951.0, "data_basis": "sum over 24 forces", "threshold_meaning": "",
         "share_holding_baseline": None, "share_holding_lowest": None, "share_holding_highest": None,
         "scenarios_with_share": "", "tipping_values": "", "would_test": ""},
        {"claim": "Synthshire: 168", "records": "F9070", "checked_as": "F9070", "verdict": "in the panel: observed",
         "data_value": 168.0, "data_basis": "the ledger's figure", "threshold_meaning": "",
         "share_holding_baseline": None, "share_holding_lowest": None, "share_holding_highest": None,
         "scenarios_with_share": "", "tipping_values": "", "would_test": ""},
    ])


def test_a_synthetic_chapter_compiles_to_a_pdf_with_findings_first_and_its_long_table_in_the_appendix(tmp_path):
    chapter = synthetic_chapter(tmp_path)
    source = report_markup([chapter], "Synthetic report", tmp_path / "figures", max_table_rows=5,
                           inline_table_rows=5, findings=synthetic_findings())
    assert source.index("Synthetic claim") < source.index("1. Synthetic chapter") < source.index("Appendix A. Long tables")
    assert "Synthetic force 4" in source and "Synthetic force 5" not in source
    assert "and 7 more rows in the CSV file" in source
    assert '#image("figures/figure01.png"' in source and "Figure 1." in source
    assert "#strong[3.5]" in source
    (tmp_path / "report.typ").write_text(source)
    compile_pdf(tmp_path / "report.typ", tmp_path / "report.pdf", tmp_path)
    pdf = (tmp_path / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pdf_page_count(pdf) >= 3  # findings, contents, the chapter, the appendix
    compile_pdf(tmp_path / "report.typ", tmp_path / "again.pdf", tmp_path)
    assert (tmp_path / "again.pdf").read_bytes() == pdf  # no timestamp: same source, same bytes


def pdf_text(path, *pages) -> str:
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian's poppler-utils) is not installed")
    first_last = ["-f", str(pages[0]), "-l", str(pages[-1])] if pages else []
    return subprocess.run(["pdftotext", *first_last, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_the_pdf_text_is_searchable_and_page_one_holds_the_findings(tmp_path):
    source = report_markup([synthetic_chapter(tmp_path)], "Synthetic report", tmp_path / "figures",
                           max_table_rows=5, findings=synthetic_findings())
    (tmp_path / "report.typ").write_text(source)
    compile_pdf(tmp_path / "report.typ", tmp_path / "report.pdf", tmp_path)
    text = pdf_text(tmp_path / "report.pdf")
    assert "\u200b" not in text
    assert "Synthetic claim: 8,224 offences" in pdf_text(tmp_path / "report.pdf", 1)
    assert "F9070" in pdf_text(tmp_path / "report.pdf", 1)
    assert "How to read this report" in text and "not reproducible: no published force data can test it" in " ".join(
        text.split())


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


def test_the_html_report_opens_with_the_findings_and_loads_nothing_from_the_network(tmp_path):
    from online_csa.report.html_report import render_html

    chapter = synthetic_chapter(tmp_path)
    page = render_html([chapter], "Synthetic report", findings=synthetic_findings(),
                       captions={"synthetic": "A synthetic line."}, inline_table_rows=5)
    # the answer first: the run stamp, the findings, then the box that explains them
    order = ["id='run-stamp'", "id='findings'", "Synthetic claim", "How to read this report",
             'id="explore-the-assumptions"', "1. Synthetic chapter<a class", "id='appendix-a'"]
    assert [page.index(marker) for marker in order] == sorted(page.index(marker) for marker in order)
    assert "results/report/explorer.html was not built" in page
    # the 12-row table left its chapter for the appendix, as an itables table with its JavaScript inline
    assert "Table A1, from chapter 1. Synthetic chapter: 12 rows" in page
    assert "id=\"itable-1\"" in page and "Synthetic force 11" in page
    assert re.search(r"<script[^>]*src=[\"']?https?:", page) is None
    assert re.search(r"(import\s*\(?|from)\s*[\"']https?:", page) is None
    assert re.search(r"<link[^>]*href=[\"']?https?:[^>]*stylesheet", page) is None
    assert "nav class=\"toc\"" in page and "position: sticky" in page
    assert render_html([chapter], "Synthetic report", findings=synthetic_findings(), inline_table_rows=5) == \
        render_html([chapter], "Synthetic report", findings=synthetic_findings(), inline_table_rows=5)


def test_a_long_appendix_cell_opens_to_its_full_text_on_a_click():
    from online_csa.report.html_report import LONG_CELL_CHARACTERS, long_cell_html

    text = "F0486 https://www.example.org/synthetic-news/" + "very-long-path-" * 40 + " ; F0487 <b>"
    cell = long_cell_html(text)
    summary = re.search(r"<summary>(.*?)<span", cell).group(1)
    assert cell.startswith("<details class='long-cell'>") and len(summary) <= LONG_CELL_CHARACTERS
    assert summary + re.search(r"</summary>(.*)</details>", cell).group(1) == html.escape(text)  # nothing lost
    assert "&lt;b&gt;" in cell and "<b>" not in cell
    assert long_cell_html("short <cell>") == "short &lt;cell&gt;"
    # a short id before a long address: the summary is cut inside the address, not before it
    address = "N0014 http://www.example.org/" + "a" * 200
    assert len(re.search(r"<summary>(.*?)<span", long_cell_html(address)).group(1)) == LONG_CELL_CHARACTERS


def test_the_explorer_slot_takes_its_fragment(tmp_path):
    from online_csa.report.html_report import render_html

    page = render_html([synthetic_chapter(tmp_path)], "Synthetic report", "<div id='synthetic-explorer'></div>",
                       front="The **stamp**.")
    assert "<div id='synthetic-explorer'></div>" in page and "was not built" not in page
    assert "<section id='run-stamp' class='run-stamp'><p>The <strong>stamp</strong>.</p>" in page
