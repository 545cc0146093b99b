"""The report in a real browser (Debian's Chromium, driven by Playwright, as in
test_explorer_in_browser.py): on a phone the page does not scroll sideways and the findings read as
cards; in the appendix a row with a very long cell stays a few lines high and opens to its full
text on a click, which the search still finds."""
import re

import pytest

from test_explorer_in_browser import CHROMIUM, browser, open_offline  # noqa: F401 (a fixture)
from test_reports_and_notebook_context import synthetic_chapter, synthetic_findings

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}: install Debian's chromium "
                                "package (run_tests.sh does, as root) to run the browser tests")

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture(scope="module")
def synthetic_report(tmp_path_factory):
    """A report of one synthetic chapter whose 12-row table (a record-id cell of 700 characters in
    its first row) goes to the appendix."""
    import nbformat
    import pandas as pd

    from online_csa.report.html_report import render_html
    from online_csa.report.narrative import TABLE_MIMETYPE, table_data

    folder = tmp_path_factory.mktemp("report")
    chapter = synthetic_chapter(folder)
    notebook = nbformat.read(chapter, as_version=4)
    ids = ";".join(f"F{i:04d}" for i in range(1000, 1117))
    rows = pd.DataFrame({"claim_id": [f"S{i}" for i in range(12)], "input_record_ids": [ids] + ["F0001"] * 11})
    notebook.cells[1].outputs.append(nbformat.v4.new_output("display_data", data={
        "text/html": "<table/>", TABLE_MIMETYPE: table_data(rows)}))
    nbformat.write(notebook, chapter)
    page = folder / "report.html"
    stamp = ("**This run.** Commit `0123456789abcdef0123456789abcdef01234567` (clean working tree); configuration "
             "hash `0123456789abcdef`; Python 3.11.7. The configuration is `config/config.yaml`'s, unchanged.")
    page.write_text(render_html([chapter], "Synthetic report", front=stamp, findings=synthetic_findings(),
                                inline_table_rows=5))
    return page, ids


def test_on_a_phone_the_report_does_not_scroll_sideways_and_the_findings_are_cards(browser, synthetic_report):
    path, _ = synthetic_report
    page, refused, errors = open_offline(browser, path)
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator("table.findings thead").is_hidden()
    verdict = page.locator("table.findings td[data-label='Verdict']").first
    assert verdict.is_visible() and verdict.bounding_box()["x"] < 40  # a card: the cell starts at the left
    contents = page.locator("nav.toc").bounding_box()
    assert contents["height"] < 60  # a one-line bar, not a sidebar beside the text
    assert refused == [] and errors == []
    page.close()


def test_a_long_appendix_cell_keeps_its_row_short_and_opens_to_its_full_text(browser, synthetic_report):
    path, ids = synthetic_report
    page, refused, errors = open_offline(browser, path)
    table = page.locator("#itable-2")
    table.wait_for()
    first_row = table.locator("tbody tr").first
    height = first_row.bounding_box()["height"]
    line = table.locator("tbody tr").nth(1).bounding_box()["height"]
    assert height <= 4 * line  # a few lines, not a column of 117 record ids
    first_row.locator("details.long-cell summary").click()
    assert first_row.bounding_box()["height"] > height
    assert re.sub(r"\s", "", first_row.locator("details.long-cell").inner_text()).count("F1116") == 1
    page.locator("#itable-2_wrapper input[type=search], #itable-2_wrapper .dt-search input").first.fill("F1116")
    page.wait_for_timeout(300)
    assert table.locator("tbody tr").count() == 1  # the search reads the whole cell
    assert refused == [] and errors == []
    page.close()


def test_on_a_laptop_the_first_screen_shows_the_key_findings(browser, synthetic_report):
    """The answer first: at 1366 x 768 the key findings start on the first screen, under the run stamp
    (the box that explains the verdicts follows the findings table)."""
    path, _ = synthetic_report
    page, refused, errors = open_offline(browser, path)
    page.set_viewport_size(LAPTOP)
    first = page.locator("ul.key-findings li").first
    box = first.bounding_box()
    assert box["y"] + box["height"] < LAPTOP["height"]
    assert page.locator("#how-to-read").bounding_box()["y"] > page.locator("table.findings").bounding_box()["y"]
    assert refused == [] and errors == []
    page.close()
