"""The report as a PDF: findings first, then the chapters, long tables in an appendix; offline.

The document is assembled as one markdown text: the chapters' markdown cells and markdown outputs
as they are, and what markdown cannot say (tables, figures, the title) as raw typst blocks. Pandoc
(the pypandoc-binary wheel) converts it to typst in one call, and typst writes the PDF. Only what a
reader of the HTML report sees is converted: code is hidden.

A table with more than `max_table_rows` rows moves to Appendix A, cut to its first rows; every
record id the rows left out cite is listed under it, so each record behind a number stays in the
PDF. Long words wrap inside narrow cells at boxes, never at inserted invisible characters, so
the PDF's text can be searched and copied as printed.
"""
from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pandas as pd

from online_csa.report.findings import key_findings
from online_csa.report.html_report import (HOW_TO_READ, appendix_table_name, chapter_title, cut_point, data_text,
                                           figure_caption, share_text, strip_injected, tipping_text, verdict_text)
from online_csa.report.narrative import FIGURE_METADATA, TABLE_MIMETYPE

RECORD_ID = re.compile(r"\b[FN][0-9]{4}\b")
# Characters with a meaning in typst markup; each is escaped with a backslash in plain text.
_SPECIAL = set("\\#$*_`<>@[]~/()=+-")
# Text may wrap after these (and at spaces); a run longer than the cell allows is cut into boxes.
_BREAK_AFTER = "/_;,=&?.-"
# Characters of 6.5pt text across the text width of an A4 page with the margins below.
PAGE_CHARACTERS = 150


def escape(text: str) -> str:
    """Plain text as typst markup: every special character escaped."""
    return "".join("\\" + c if c in _SPECIAL else c for c in text)


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# after a break character not followed by a digit: never inside a number ('1.150' and '2014/15' stay whole)
_BREAK = re.compile(f"(?<=[{re.escape(_BREAK_AFTER)}])(?![0-9])")


def segments(word: str, longest: int) -> list[str]:
    """A word cut after break characters not followed by a digit, then into pieces of at most
    `longest` characters."""
    pieces = [p for p in _BREAK.split(word) if p]
    out = []
    for piece in pieces:
        out += [piece[i:i + longest] for i in range(0, len(piece), longest)]
    return out


def cell_markup(text: str, longest: int) -> str:
    """Cell text as typst: words longer than `longest` wrap at boxes (no invisible characters)."""
    words = []
    for word in text.split(" "):
        parts = segments(word, longest)
        words.append(escape(word) if len(parts) <= 1 else "".join(f"#box[{escape(p)}]" for p in parts))
    return " ".join(words)


def _longest_piece(text: str) -> int:
    """The longest piece of `text` between spaces and break characters, before pieces are cut to a
    length: cut to at most `longest`, the longest segment is min(this, longest)."""
    return max((len(piece) for word in text.split() for piece in _BREAK.split(word)), default=0)


def column_plan(columns: list[str], rows: list[list[str]]) -> tuple[list[int], int]:
    """Column weights and the longest unbroken piece, chosen so that no piece is wider than its column.

    A column weighs its typical text length (capped) but at least its longest piece; its width is its
    share of the weights times the page. Pieces are cut shorter until each fits its column's width.
    """
    texts = [[c] + [r[j] for r in rows] for j, c in enumerate(columns)]
    unbroken = [max(_longest_piece(t) for t in column) for column in texts]
    for longest in range(16, 2, -1):
        pieces = [min(piece, longest) for piece in unbroken]
        weights = [max(max(min(max(len(t) for t in column), 40), 4), piece) for column, piece in zip(texts, pieces)]
        if all(piece <= weight * PAGE_CHARACTERS / sum(weights) for piece, weight in zip(pieces, weights)):
            break
    return weights, longest


def header_label(name: str) -> str:
    """A column name as a header: underscores read as spaces, so a header wraps between words."""
    return name.replace("_", " ")


def table_markup(columns: list[str], rows: list[list[str]], caption: str = "", note: str = "",
                 weights: list[int] | None = None) -> str:
    """A typst table whose columns are never narrower than their longest unbroken piece of text
    (given weights are for a table whose texts are known to wrap, like the findings)."""
    labels = [header_label(c) for c in columns]
    planned, longest = column_plan(labels, rows)
    weights = weights or planned
    spec = ", ".join(f"{w}fr" for w in weights)
    header = ", ".join(f"[#strong[{cell_markup(c, longest)}]]" for c in labels)
    cells = ", ".join(f"[{cell_markup(v, longest)}]" for row in rows for v in row)
    parts = []
    if caption:
        parts.append(f"#emph[{escape(caption)}]\n")
    parts.append("#block(width: 100%)[#set text(size: 6.5pt)\n"
                 f"#table(columns: ({spec},), stroke: 0.3pt + luma(180), inset: 2.5pt, "
                 f"table.header({header}){', ' + cells if cells else ''})]\n")
    if note:
        parts.append(f"#block(width: 100%)[#set text(size: 6.5pt)\n#emph[{escape(note)}]]\n")
    return "\n".join(parts)


def raw_typst(markup: str) -> str:
    """Typst markup inside the markdown, passed through by pandoc as it is."""
    fence = "`" * max(3, max((len(m) for m in re.findall(r"`+", markup)), default=0) + 1)
    return f"\n\n{fence}{{=typst}}\n{markup}\n{fence}\n\n"


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def cited_records(rows: list[list[str]]) -> list[str]:
    """Every ledger record id the rows cite, sorted, each once."""
    return sorted({rid for row in rows for cell in row for rid in RECORD_ID.findall(cell)})


@dataclass
class Figures:
    """Numbers the figures and writes their PNG files where typst finds them."""
    image_dir: Path
    captions: dict
    number: int = 0

    def markup(self, png: bytes, name: str) -> str:
        self.number += 1
        file = f"figure{self.number:02d}.png"
        (self.image_dir / file).write_bytes(png)
        caption = figure_caption(name, self.captions)
        return (f'#align(center)[#image("{self.image_dir.name}/{file}", width: 85%)]\n'
                f"#block(width: 100%)[#set text(size: 8pt)\n#strong[Figure {self.number}.] {escape(caption)}]\n")


def chapter_markdown(notebook: nbformat.NotebookNode, figures: Figures, appendix: list[str],
                     max_table_rows: int, inline_table_rows: int) -> str:
    """One executed chapter as markdown with raw typst blocks; a table longer than `inline_table_rows`
    goes to `appendix`, cut to `max_table_rows`."""
    parts = []
    title = chapter_title(notebook)
    for cell in strip_injected(notebook).cells:
        if cell.cell_type == "markdown":
            parts.append(_text(cell.source))
            continue
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if TABLE_MIMETYPE in data:
                t = data[TABLE_MIMETYPE]
                if len(t["rows"]) <= inline_table_rows:
                    parts.append(raw_typst(table_markup(t["columns"], t["rows"], t.get("caption", ""))))
                    continue
                number = len(appendix) + 1
                name = appendix_table_name(number, t.get("caption", ""), title)
                shown = min(max_table_rows, len(t["rows"]))
                parts.append(f"*{name}: {len(t['rows']):,} rows; its first {shown} are in Appendix A, "
                             "all of them in the HTML report.*")
                appendix.append(appendix_table(name, t, max_table_rows))
            elif "image/png" in data:
                png = base64.b64decode(_text(data["image/png"]))
                parts.append(raw_typst(figures.markup(png, output.get("metadata", {}).get(FIGURE_METADATA, ""))))
            elif "text/markdown" in data:
                parts.append(_text(data["text/markdown"]))
            elif "text/plain" in data and output.get("output_type") == "execute_result":
                parts.append(raw_typst(f"#raw({_string(_text(data['text/plain']))}, block: true)"))
    return "\n\n".join(parts)


# An appendix cell longer than this is cut after a space or ';' so a row stays a few lines high; the
# record ids of the cut text are listed under the table with those of the rows not shown.
PDF_LONG_CELL_CHARACTERS = 160


def shorten_cell(text: str, limit: int = PDF_LONG_CELL_CHARACTERS) -> tuple[str, str]:
    """A cell's text cut to at most `limit` characters (html_report.cut_point), saying how long it was,
    and the text cut off."""
    if len(text) <= limit:
        return text, ""
    cut = cut_point(text, limit)
    return f"{text[:cut].rstrip()} … ({len(text):,} characters in the HTML report)", text[cut:]


def appendix_table(name: str, table: dict, max_table_rows: int) -> str:
    """A long table cut to its first rows and its long cells cut short, then every record id the rows
    left out and the cut text cite."""
    rows, left = table["rows"][:max_table_rows], table["rows"][max_table_rows:]
    cut_rows = [[shorten_cell(str(v)) for v in row] for row in rows]
    rows = [[shown for shown, _ in row] for row in cut_rows]
    cut_off = [[rest for _, rest in row] for row in cut_rows]
    left_out = table.get("left_out", 0) + len(left)
    note = f"... and {left_out:,} more rows in the CSV file and in the HTML report." if left_out else ""
    ids = sorted(set(cited_records(left) + cited_records(cut_off)))
    if ids:
        note += f" Record ids cited in the rows not shown or the text cut short: {', '.join(ids)}."
    return table_markup(table["columns"], rows, name, note.strip())


FINDINGS_WEIGHTS = [30, 13, 28, 22, 52]
FINDINGS_COLUMNS = ["claim as published [records]", "verdict",
                    "the data give (modelled total: all forces, 90% interval)",
                    "holds in (share of draws: baseline; lowest and highest scenario)",
                    "tipping values (one assumption moved at a time; rates as per-year ratios, earlier year over "
                    "later), or what would test it"]


def findings_markdown(findings: pd.DataFrame) -> str:
    """The findings page: the key sentences and one row per headline claim, in compact words (the
    HTML report and findings.csv have the full sentences), so that both fit the first page."""
    sentences = "\n".join(f"* {s}" for s in key_findings(findings))
    rows = [[f"{r['claim']} [{str(r['records']).replace(';', '; ')}]", verdict_text(r, short=True),
             data_text(r, short=True), share_text(r, short=True), tipping_text(r, short=True)]
            for _, r in findings.iterrows()]
    return ("# Findings\n\n" + sentences + "\n"
            + raw_typst(table_markup(FINDINGS_COLUMNS, rows, weights=FINDINGS_WEIGHTS)))


PREAMBLE = """#set document(title: {title}, date: none)
#set page(paper: "a4", margin: (x: 1.6cm, y: 1.6cm), numbering: "1")
#set text(size: 9.5pt, lang: "en")
#set par(justify: false)
#show link: set text(fill: rgb("#0b5394"))
#let horizontalrule = line(length: 100%, stroke: 0.5pt + luma(180))
#align(center)[#text(size: 16pt, weight: "bold")[{title_markup}]]
#align(center)[#text(size: 8pt)[#emph[Every number in this document is an output of the pipeline;
  the HTML report has the full tables.]]]
"""

PANDOC_FORMAT = "markdown-auto_identifiers-tex_math_dollars-raw_html"


def report_markup(chapter_paths: list[str], title: str, image_dir: Path, max_table_rows: int, front: str = "",
                  back: str = "", inline_table_rows: int | None = None, findings: pd.DataFrame | None = None,
                  findings_figure: Path | None = None, captions: dict | None = None) -> str:
    """The whole PDF as typst: the title, `front` (markdown: the run stamp and configuration changes,
    report/run_stamp.py), the findings and Figure 1 on the first page; the contents, the chapters,
    `back` after the last chapter, and Appendix A with the long tables."""
    import pypandoc

    image_dir.mkdir(parents=True, exist_ok=True)
    figures = Figures(image_dir, captions or {})
    parts = [front] if front else []
    if findings is not None and not findings.empty:
        parts.append(findings_markdown(findings))
        if findings_figure is not None:
            parts.append(raw_typst(figures.markup(Path(findings_figure).read_bytes(), "claim_support")))
        # the HTML report's box, converted, so the verdict words are defined on paper too
        parts.append(raw_typst(pypandoc.convert_text(HOW_TO_READ, "typst", format="html")))
    # from the contents on, each chapter starts a page; the findings stay on the first
    parts.append(raw_typst("#pagebreak(weak: true)\n#outline(depth: 1)\n"
                           "#show heading.where(level: 1): it => { pagebreak(weak: true); it }"))
    appendix: list[str] = []
    for path in chapter_paths:
        parts.append(chapter_markdown(nbformat.read(path, as_version=4), figures, appendix, max_table_rows,
                                      max_table_rows if inline_table_rows is None else inline_table_rows))
    if back:
        parts.append(back)
    if appendix:
        parts.append("# Appendix A. Long tables\n\nEach table's first rows; every record id its other rows cite "
                     "is listed under it. The HTML report has every row, searchable and sortable.")
        parts += [raw_typst(t) for t in appendix]
    body = pypandoc.convert_text("\n\n".join(parts), "typst", format=PANDOC_FORMAT)
    return PREAMBLE.format(title=_string(title), title_markup=escape(title)) + "\n" + body


def compile_pdf(source: Path, output: Path, root: Path) -> None:
    import typst

    typst.compile(str(source), output=str(output), root=str(root), format="pdf")


def pdf_page_count(pdf: bytes) -> int:
    """Pages of a PDF typst wrote (its page tree root carries the count)."""
    match = re.search(rb"/Type\s*/Pages\s*/Count\s+(\d+)", pdf)
    if not match:
        raise ValueError("no page tree found: not a PDF written by typst?")
    return int(match.group(1))
