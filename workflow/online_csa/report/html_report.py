"""Stitch executed chapter notebooks into one self-contained HTML report.

The page opens with the answer: a slot for the run stamp and configuration-change notices, a short
"how to read this report" box, the findings (key sentences, a figure, one row per headline claim)
and a slot for the assumptions explorer. The chapters follow, their figures numbered and captioned;
a table longer than `inline_table_rows` moves to Appendix A as a searchable, sortable table (itables,
its JavaScript inlined, so the page loads nothing from the network) and leaves a link in its place.
Contents stay in view in a sidebar.
"""
from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pandas as pd

from online_csa.common.formatting import format_number
from online_csa.report.findings import key_findings
from online_csa.report.narrative import FIGURE_METADATA, TABLE_MIMETYPE

INJECTED_TAG = "snakemake-job-properties"
EXTRA_CSS = """
<style>
 body { margin: 0; font-family: system-ui, sans-serif; }
 .report-layout { display: flex; align-items: flex-start; max-width: 1500px; margin: auto; }
 .report-layout > main { flex: 1 1 auto; min-width: 0; padding: 0 1.5em; }
 nav.toc { position: sticky; top: 0; flex: 0 0 15em; max-height: 100vh; overflow-y: auto; box-sizing: border-box;
   background: #f8f8f8; padding: 0.8em 0.8em 2em 1em; border-right: 1px solid #ddd; font-size: 0.85em; }
 nav.toc ul { padding-left: 1em; margin: 0.3em 0; } nav.toc li { margin: 0.25em 0; }
 nav.toc a { color: #0b5394; text-decoration: none; } nav.toc a:hover { text-decoration: underline; }
 .table-wrap { max-height: 34em; overflow: auto; margin: 0.5em 0 1.5em 0; }
 table.data { border-collapse: collapse; font-size: 0.78em; }
 table.data th { position: sticky; top: 0; background: #f4f4f4; }
 table.data td, table.data th { border-bottom: 1px solid #ddd; padding: 2px 6px; vertical-align: top; text-align: left; }
 p.caption { font-style: italic; color: #444; margin: 0.2em 0; }
 p.figure-caption { color: #333; font-size: 0.9em; margin: 0.2em 0 1.5em 0; }
 .how-to-read { background: #eef4fb; border: 1px solid #b9d0ea; padding: 0.6em 1em; margin: 1em 0; font-size: 0.92em; }
 .how-to-read h2 { font-size: 1.05em; margin: 0.2em 0; }
 .run-stamp { border: 1px solid #ccc; background: #fafafa; padding: 0.4em 1em; margin: 0.8em 0; font-size: 0.9em; }
 .key-findings li { margin: 0.3em 0; }
 table.findings { border-collapse: collapse; font-size: 0.82em; width: 100%; }
 table.findings th { background: #f4f4f4; text-align: left; }
 table.findings td, table.findings th { border-bottom: 1px solid #ddd; padding: 4px 6px; vertical-align: top; }
 table.findings details summary { color: #0b5394; cursor: pointer; }
 .verdict-reproduced { color: #1a7f37; } .verdict-contradicted { color: #b3261e; }
 .moved-table { background: #f8f8f8; border-left: 3px solid #b9d0ea; padding: 0.3em 0.8em; }
 .explorer-missing { color: #555; font-style: italic; }
 .findings-wrap { overflow-x: auto; }
 .report-title, .report-layout h1, .report-layout h2 { overflow-wrap: anywhere; }
 .run-stamp p { margin: 0.3em 0; } .run-stamp code { overflow-wrap: anywhere; }
 .report-layout img { max-width: 100%; height: auto; }
 .report-layout pre { white-space: pre-wrap; overflow-wrap: anywhere; }
 #explore-the-assumptions .vega-embed { max-width: 100%; overflow-x: auto; }  /* scrolls, never shrinks its text */
 span.text-cell { display: inline-block; min-width: 14em; }
 details.long-cell { min-width: 18em; max-width: 40em; overflow-wrap: anywhere; } details.long-cell summary { cursor: pointer; }
 details.long-cell summary .more { color: #0b5394; font-size: 0.85em; }
 details.long-cell[open] summary .more { display: none; }
 @media (max-width: 760px) {
   .report-layout { display: block; }
   .report-layout > main { padding: 0 0.8em; }
   nav.toc { position: sticky; top: 0; z-index: 10; max-height: none; border-right: 0; border-bottom: 1px solid #ddd;
     padding: 0.3em 0.5em; }
   nav.toc > strong, nav.toc ul ul { display: none; }
   nav.toc > ul { display: flex; gap: 1em; overflow-x: auto; white-space: nowrap; padding: 0; margin: 0; list-style: none; }
   .report-title { font-size: 1.5em; }
   table.findings, table.findings tbody, table.findings tr, table.findings td { display: block; width: auto; }
   table.findings thead { display: none; }
   table.findings tr { border-bottom: 2px solid #bbb; padding: 0.4em 0; }
   table.findings td { border: 0; padding: 2px 0; }
   table.findings td:first-child { font-weight: bold; }
   table.findings td:empty { display: none; }
   table.findings td[data-label]:not([data-label=''])::before { content: attr(data-label) ": "; color: #555;
     font-weight: bold; }
 }
</style>
"""

HOW_TO_READ = """<aside class="how-to-read" id="how-to-read"><h2>How to read this report</h2><ul>
<li><strong>Findings first.</strong> One row per headline claim: what was published, the records it comes from,
the verdict, the number the data give, how often the claim holds when the under-recording assumptions are
drawn, and what one would have to believe for it to fail.</li>
<li><strong>Verdicts.</strong> <em>reproduced</em>: the printed figure follows from complete force data, or is
arithmetic on the release's own published totals (the row says which); <em>consistent</em>: the data are
incomplete and the figure is within what the missing forces could add; <em>contradicted</em>: the data rule it
out; <em>not reproducible</em>: no published force data can test it; <em>in the panel: observed</em> (on paper,
<em>a force's own figure</em>): one force's figure for one year, as the ledger records it, every source printing it
agreeing. Where the verdict changes under the other vintage rule (first release instead of latest), the row says
so.</li>
<li><strong>The data give.</strong> The number the check computes, and what it is: a sum over the forces that
printed a figure is not the total, so the modelled total for every force is shown beside it.</li>
<li><strong>Share of draws.</strong> The share of joint draws in which the claim holds for offences rather than
records. Each draw takes one imputation of the force-years nobody printed, and one value of each assumption about
how flag completeness, recording compliance and the reporting rate changed between the years and of non-response
(the levels of the rates cancel in a ratio; s.15A scope is fixed by the scenario). Shown at the baseline, with the
word it earns (<em>holds</em>, <em>fails</em> or <em>uncertain</em>, by the rule of
<code>sensitivity.claim_support_words</code> that chapter 5 and the explorer use), and the lowest and highest
across the named scenarios, each named.</li>
<li><strong>Chapters</strong> open with their answer; figures are numbered with captions; long tables are in
Appendix A, where they can be searched and sorted. Every number is computed by the pipeline from its outputs.</li>
</ul></aside>"""

EXPLORER_MISSING = ("<p class='explorer-missing'>The assumptions explorer is not part of this run "
                    "(results/report/explorer.html was not built).</p>")


@dataclass
class AppendixTable:
    number: int
    chapter: str
    caption: str
    columns: list[str]
    rows: list[list[str]]
    left_out: int

    @property
    def anchor(self) -> str:
        return f"appendix-table-{self.number}"

    @property
    def title(self) -> str:
        return appendix_table_name(self.number, self.caption, self.chapter)


def appendix_table_name(number: int, caption: str, chapter: str) -> str:
    """'Table A3. <caption>', or 'Table A3, from chapter <chapter>' for a table without a caption."""
    return f"Table A{number}. {caption}" if caption else f"Table A{number}, from chapter {chapter}"


def strip_injected(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop the cell Snakemake injects (pickled job, absolute paths) and execution metadata."""
    notebook.cells = [c for c in notebook.cells if INJECTED_TAG not in c.get("metadata", {}).get("tags", [])]
    for cell in notebook.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    notebook.metadata.pop("papermill", None)
    return notebook


def chapter_title(notebook: nbformat.NotebookNode) -> str:
    """The chapter's first markdown heading ('# 3. The claims, checked' -> '3. The claims, checked')."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#\s+(.+)$", "".join(cell.source), re.M)
            if match:
                return match.group(1).strip()
    return ""


def figure_caption(name: str, captions: dict[str, str]) -> str:
    """A figure's caption: the Snakemake report's caption for it (`<name>_figure` before `<name>`)."""
    return captions.get(f"{name}_figure") or captions.get(name, "")


def _html_output(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("display_data", data={"text/html": text})


def arrange_chapters(chapters: list[nbformat.NotebookNode], captions: dict[str, str], inline_table_rows: int,
                     first_figure: int = 1) -> tuple[nbformat.NotebookNode, list[AppendixTable]]:
    """One notebook of every chapter: figures numbered and captioned, long tables moved out.

    A table with more than `inline_table_rows` rows is replaced by a link to its place in the appendix.
    """
    combined = nbformat.v4.new_notebook(metadata=chapters[0].metadata)
    appendix: list[AppendixTable] = []
    figure_number = first_figure - 1
    for number, chapter in enumerate(chapters, start=1):
        chapter = strip_injected(chapter)
        title = chapter_title(chapter)
        for index, cell in enumerate(chapter.cells):
            cell.id = f"chapter{number}-cell{index:02d}"  # unique and stable, so the HTML is byte-stable
            if cell.cell_type == "code":
                outputs = []
                for output in cell.get("outputs", []):
                    data = output.get("data", {})
                    table = data.get(TABLE_MIMETYPE)
                    if table is not None and len(table["rows"]) > inline_table_rows:
                        moved = AppendixTable(len(appendix) + 1, title, table.get("caption", ""), table["columns"],
                                              table["rows"], table.get("left_out", 0))
                        appendix.append(moved)
                        outputs.append(_html_output(
                            f"<p class='moved-table'>{html.escape(moved.title)}: {len(moved.rows):,} rows, in "
                            f"<a href='#{moved.anchor}'>Appendix A</a> (searchable and sortable).</p>"))
                        continue
                    outputs.append(output)
                    if "image/png" in data:
                        figure_number += 1
                        name = output.get("metadata", {}).get(FIGURE_METADATA, "")
                        caption = figure_caption(name, captions)
                        outputs.append(_html_output(
                            f"<p class='figure-caption'><strong>Figure {figure_number}.</strong> "
                            f"{html.escape(caption)}</p>"))
                cell.outputs = outputs
            combined.cells.append(cell)
    return combined, appendix


def combine(chapters: list[nbformat.NotebookNode]) -> nbformat.NotebookNode:
    """Every chapter in one notebook, nothing moved (the PDF arranges its own)."""
    return arrange_chapters(chapters, {}, inline_table_rows=10**9)[0]


def value_text(x) -> str:
    if x is None or pd.isna(x):
        return ""
    if float(x).is_integer():
        return format_number(x, 0)
    return format_number(x, 3 if abs(x) < 100 else 1)


def _share(x) -> str:
    return "" if x is None or pd.isna(x) else f"{100 * x:.0f}%"


def _text(x) -> str:
    return x if isinstance(x, str) else ""


def share_text(row, short: bool = False) -> str:
    """'2% at baseline: fails (0% in s15a_excluded to 70% in nspcc_reading; 6 of 6 scenarios have a
    share)', or empty where no draws bear on the claim. `short`: '2%: fails; scenarios 0%
    (s15a_excluded) to 70% (nspcc_reading), 6 of 6 with a share'."""
    if pd.isna(row["share_holding_baseline"]):
        return ""
    word = f": {_text(row.get('share_word_baseline'))}" if _text(row.get("share_word_baseline")) else ""
    low, high = _text(row.get("scenario_lowest")), _text(row.get("scenario_highest"))
    if short:
        return (f"{_share(row['share_holding_baseline'])}{word}; scenarios {_share(row['share_holding_lowest'])} "
                f"({low}) to {_share(row['share_holding_highest'])} ({high}), {row['scenarios_with_share']} "
                "with a share")
    return (f"{_share(row['share_holding_baseline'])} at baseline{word} ({_share(row['share_holding_lowest'])} in "
            f"{low} to {_share(row['share_holding_highest'])} in {high}; {row['scenarios_with_share']} scenarios "
            "have a share)")


def data_text(row, short: bool = False) -> str:
    """The number the data give, what it is, and the modelled total beside a partial sum. `short`:
    the modelled total without its explanation (the table's header gives it)."""
    parts = [value_text(row["data_value"])]
    modelled = not pd.isna(row.get("estimate"))
    if _text(row.get("data_value_means")) and parts[0]:
        parts.append(f"({_text(row.get('data_value_means'))})" + ("." if modelled else ""))
    if modelled:
        interval = (f"{format_number(row['estimate'], 0)} ({format_number(row['estimate_lower_90'], 0)} "
                    f"to {format_number(row['estimate_upper_90'], 0)})")
        parts.append(f"Modelled total: {interval}" + ("." if short else f", {_text(row.get('estimate_means'))}."))
    return " ".join(p for p in parts if p)


# The findings table's verdict words, compact; the full ones are defined in HOW_TO_READ.
SHORT_VERDICTS = {"in the panel: observed": "a force's own figure"}


def verdict_text(row, short: bool = False) -> str:
    verdict = str(row["verdict"])
    verdict = SHORT_VERDICTS.get(verdict, verdict) if short else verdict
    verdict = verdict.replace("_", " ")
    other = _text(row.get("verdict_other_vintage_rule")).replace("_", " ")
    if not other:
        return verdict
    return f"{verdict} ({other} by the other vintage rule)" if short else \
        f"{verdict} ({other} under the other vintage rule)"


def tipping_text(row, short: bool = False) -> str:
    """The tipping values (compact, or in full sentences), or what data would test the claim."""
    what = _text(row.get("tipping_values_short" if short else "tipping_values")) or _text(row.get("tipping_values"))
    test = _text(row.get("would_test"))
    return "; ".join(x for x in (what, f"Would test it: {test}" if test else "") if x)


FINDINGS_HEADER = ["Claim as published", "Records", "Verdict", "The data give",
                   "Holds in (share of assumption draws)",
                   "Tipping values (one assumption moved at a time; rates as per-year ratios, earlier year over "
                   "later), or what would test it"]


FINDINGS_LABELS = ["", "Records", "Verdict", "The data give", "Holds in", "Tipping values"]


def findings_rows_html(findings: pd.DataFrame) -> str:
    """The findings table: compact cells, the tipping values' full sentences one click away."""
    body = []
    for _, row in findings.iterrows():
        verdict = str(row["verdict"])
        change = html.escape(tipping_text(row, short=True))
        if _text(row.get("tipping_values")) and _text(row.get("tipping_values_short")):
            change += f"<details><summary>in full</summary>{html.escape(row['tipping_values'])}</details>"
        cells = [(html.escape(str(row["claim"])), ""), (html.escape(str(row["records"]).replace(";", "; ")), ""),
                 (html.escape(verdict_text(row)), f"verdict-{html.escape(verdict)}"),
                 (f"{html.escape(data_text(row))}<details><summary>how</summary>"
                  f"{html.escape(str(row['data_basis']))}</details>", ""),
                 (html.escape(share_text(row)), ""), (change, "")]
        # on a phone each row is a card, each cell labelled by its column (FINDINGS_LABELS)
        body.append("<tr>" + "".join(f"<td data-label='{html.escape(label)}'" + (f" class='{cls}'" if cls else "")
                                     + f">{text}</td>" for (text, cls), label in zip(cells, FINDINGS_LABELS))
                    + "</tr>")
    header = "".join(f"<th>{html.escape(h)}</th>" for h in FINDINGS_HEADER)
    return (f"<div class='findings-wrap'><table class='findings'><thead><tr>{header}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>")


def _image(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f"<img alt='' style='max-width:min(100%, 820px)' src='data:image/png;base64,{data}'>"


def findings_section(findings: pd.DataFrame, figure_path: Path | None, caption: str) -> str:
    sentences = "".join(f"<li>{html.escape(s)}</li>" for s in key_findings(findings))
    figure = ""
    if figure_path is not None:
        figure = (f"{_image(Path(figure_path))}<p class='figure-caption'><strong>Figure 1.</strong> "
                  f"{html.escape(caption)}</p>")
    return (f"<section id='findings'><h1 id='findings-heading'>Findings</h1>"
            f"<h2>Key findings</h2><ul class='key-findings'>{sentences}</ul>{figure}"
            f"<h2>Every headline claim</h2><p class='caption'>The verdicts and columns are explained in "
            f"<a href='#how-to-read'>how to read this report</a>, under the table.</p>"
            f"{findings_rows_html(findings)}</section>")


EXPLORER_TITLE = "Explore the assumptions"


def explorer_section(fragment: str | None) -> str:
    """The explorer fragment (assumptions_explorer.py) as a section with a heading the contents list;
    without one, a note that this run has none."""
    anchor = EXPLORER_TITLE.replace(" ", "-")
    return (f'<section class="explorer-section" id="explore-the-assumptions"><h1 id="{anchor}">{EXPLORER_TITLE}'
            f'<a class="anchor-link" href="#{anchor}">&#182;</a></h1>\n{fragment or EXPLORER_MISSING}</section>\n')


def notices_section(front: str) -> str:
    """The first screen's slot for the run stamp and configuration-change notices (markdown from
    report/run_stamp.py, as HTML)."""
    if not front:
        return "<section id='run-stamp' class='run-stamp' hidden></section>"
    import pypandoc

    notices = pypandoc.convert_text(front, "html", format="markdown", extra_args=["--wrap=none"])
    return f"<section id='run-stamp' class='run-stamp'>{notices}</section>"


def itables_head() -> str:
    """DataTables and itables, inlined once (itables' offline mode): nothing is fetched."""
    from itables import javascript, options

    init = javascript.read_package_file("html/init_datatables.html")
    connected = ("import { set_or_remove_dark_class } from '" + javascript.UNPKG_DT_BUNDLE_URL_NO_VERSION + "';")
    local = ("const { set_or_remove_dark_class } = await window." + javascript._itables_underscore_version() + ";")
    init = javascript.replace_value(init, connected, local)
    return init + javascript.generate_init_offline_itables_html(options.dt_bundle)


# An appendix cell longer than this shows its first words and opens to its full text on a click, so a
# row is a few lines high; the search and the sort still read the whole text.
LONG_CELL_CHARACTERS = 120


def cut_point(text: str, limit: int) -> int:
    """Where to cut a long text: after the last space or ';' in its second half-limit, else at
    `limit` (so a long address after a short id is cut inside, not before, it)."""
    at = max(text.rfind(" ", limit // 2, limit), text.rfind(";", limit // 2, limit))
    return at + 1 if at >= 0 else limit


def long_cell_html(text: str, limit: int = LONG_CELL_CHARACTERS) -> str:
    """A cell's text as HTML: escaped, and if longer than `limit`, cut (cut_point) into a summary
    that opens to the rest."""
    text = str(text)
    if len(text) <= limit:
        return html.escape(text) if len(text) <= 40 else f"<span class='text-cell'>{html.escape(text)}</span>"
    cut = cut_point(text, limit)
    return (f"<details class='long-cell'><summary>{html.escape(text[:cut])}<span class='more'>… "
            f"({len(text):,} characters: more)</span></summary>{html.escape(text[cut:])}</details>")


def appendix_section(tables: list[AppendixTable]) -> str:
    if not tables:
        return ""
    from itables import to_html_datatable

    parts = ["<section id='appendix-a'><h1 id='appendix-a-heading'>Appendix A. Long tables</h1>"
             "<p>Each table in full, as the chapters produced it: type in the search box to filter, click a "
             "column header to sort.</p>"]
    for table in tables:
        frame = pd.DataFrame([[long_cell_html(v) for v in row] for row in table.rows], columns=table.columns)
        note = (f"<p class='caption'>... and {table.left_out:,} more rows in the CSV file.</p>"
                if table.left_out else "")
        origin = f"from chapter {html.escape(table.chapter)}; " if table.caption else ""
        parts.append(f"<h2 id='{table.anchor}'>{html.escape(table.title)}</h2>"
                     f"<p class='caption'>{origin}{len(table.rows):,} rows.</p>"
                     + to_html_datatable(frame, table_id=f"itable-{table.number}", connected=False,
                                         classes="display compact", paging=True, pageLength=10, scrollX=True,
                                         allow_html=True)
                     + note)
    parts.append("</section>")
    return "".join(parts)


def _nav(body: str, tables: list[AppendixTable], has_findings: bool) -> str:
    headings = re.findall(r'<h1 id="([^"]+)">(.*?)<a class="anchor-link"', body)
    items = []
    if has_findings:
        items.append("<li><a href='#findings'>Findings</a></li>")
    items += [f'<li><a href="#{anchor}">{text}</a></li>' for anchor, text in headings]
    if tables:
        sub = "".join(f"<li><a href='#{t.anchor}'>Table A{t.number}</a></li>" for t in tables)
        items.append(f"<li><a href='#appendix-a'>Appendix A. Long tables</a><ul>{sub}</ul></li>")
    return f'<nav class="toc"><strong>Contents</strong><ul>{"".join(items)}</ul></nav>'


# The lab template links require.js and MathJax from a CDN and imports mermaid from one when a page has
# diagrams; the chapters need none of them (no widgets, mathematics or diagrams), and the report must
# open offline.
_NETWORK_SCRIPT = re.compile(r"<script[^>]*\ssrc=[\"']?https?://[^>]*>\s*</script>\s*", re.I)
_MERMAID_SCRIPT = re.compile(r"<script type=\"module\">(?:(?!</script>).)*?mermaid(?:(?!</script>).)*?</script>",
                             re.S)


def _drop_network_scripts(page: str) -> str:
    return _MERMAID_SCRIPT.sub("", _NETWORK_SCRIPT.sub("", page))


def render_html(chapter_paths: list[str], title: str, explorer: str | None = None, front: str = "",
                back: str = "", findings: pd.DataFrame | None = None, findings_figure: Path | None = None,
                captions: dict[str, str] | None = None, inline_table_rows: int = 10**9) -> str:
    """The report. `front` (markdown: the run stamp and configuration changes, report/run_stamp.py)
    opens the first screen, before the findings; `explorer`, the assumptions explorer's HTML fragment,
    has its own section before the last chapter (the provenance appendix); `back` follows the last
    chapter."""
    from nbconvert import HTMLExporter  # here, not at the top: the PDF job uses this module but not nbconvert

    captions = captions or {}
    chapters = [nbformat.read(path, as_version=4) for path in chapter_paths]
    has_findings = findings is not None and not findings.empty
    combined, tables = arrange_chapters(chapters, captions, inline_table_rows,
                                        first_figure=2 if has_findings and findings_figure else 1)
    if back:
        combined.cells.append(nbformat.v4.new_markdown_cell(back, id="back-matter"))
    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(combined, resources={"metadata": {"name": title}})
    last = re.search(rf'<div class="[^"]*" id="cell-id=chapter{len(chapters)}-cell00"', body)
    at = last.start() if last else body.index("</main>")
    body = body[:at] + explorer_section(explorer) + body[at:]
    head = EXTRA_CSS + (itables_head() if tables else "")
    body = _drop_network_scripts(body).replace("</head>", head + "</head>", 1)
    # the answer first: which run, then the findings; the box that explains them follows the table
    first_screen = (f"<h1 class='report-title'>{html.escape(title)}</h1>" + notices_section(front)
                    + (findings_section(findings, findings_figure, figure_caption("claim_support", captions))
                       if has_findings else "") + HOW_TO_READ)
    nav = _nav(body, tables, has_findings)
    body = re.sub(r"<main>", lambda m: "<div class='report-layout'>" + nav + "<main>" + first_screen, body, count=1)
    body = body.replace("</main>", appendix_section(tables) + "</main></div>", 1)
    return body


def read_captions(paths: list[str]) -> dict[str, str]:
    """Caption files (workflow/report/<name>.rst) by name, as one line of text each."""
    return {Path(p).stem: " ".join(Path(p).read_text(encoding="utf-8").split()) for p in paths}
