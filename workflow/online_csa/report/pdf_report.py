"""The report as a PDF: executed chapter notebooks -> typst source -> PDF, offline.

Only what a reader of the HTML report sees is converted: markdown cells, and the outputs of
code cells (markdown from `md()`, tables from `table()`, PNG figures). Code is hidden, as in
the HTML report. Markdown is converted by a small converter that knows the subset the
chapters use: headings, paragraphs, bullet and numbered lists, block quotes, fenced code,
pipe tables, and inline code, links, bold and italics. Everything else is escaped and shown
as text, never interpreted as typst.
"""
from __future__ import annotations

import base64
import re
from pathlib import Path

import nbformat

from online_csa.report.narrative import TABLE_MIMETYPE
from online_csa.report.html_report import strip_injected

# Characters with a meaning in typst markup; each is escaped with a backslash in plain text.
# Every inline function call ends with ";", so text after it is never read as its arguments.
_SPECIAL = set("\\#$*_`<>@[]~/()=+-")
_INLINE = re.compile(
    r"(?P<code>`[^`]+`)"
    r"|(?P<link>\[(?P<link_text>[^\]]+)\]\((?P<link_url>[^)\s]+)\))"
    r"|(?P<bold>\*\*(?P<bold_text>.+?)\*\*)"
    r"|(?P<italic>(?<![\w*])\*(?P<italic_text>[^*\s](?:[^*]*[^*\s])?)\*(?![\w*]))"
    r"|(?P<uitalic>(?<!\w)_(?P<uitalic_text>[^_\s](?:[^_]*[^_\s])?)_(?!\w))"
)
_ZWSP = "\u200b"


def escape(text: str) -> str:
    """Plain text as typst markup: every special character escaped."""
    return "".join("\\" + c if c in _SPECIAL else c for c in text)


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _raw(code: str) -> str:
    """Inline code as a typst raw element (a string, so nothing inside is interpreted)."""
    return f"#raw({_string(code)});"


def inline(text: str) -> str:
    """One line or paragraph of markdown inline syntax as typst markup."""
    out, position = [], 0
    for match in _INLINE.finditer(text):
        out.append(escape(text[position:match.start()]))
        if match.group("code"):
            out.append(_raw(match.group("code")[1:-1]))
        elif match.group("link"):
            out.append(f"#link({_string(match.group('link_url'))})[{inline(match.group('link_text'))}];")
        elif match.group("bold"):
            out.append(f"#strong[{inline(match.group('bold_text'))}];")
        elif match.group("italic"):
            out.append(f"#emph[{inline(match.group('italic_text'))}];")
        else:
            out.append(f"#emph[{inline(match.group('uitalic_text'))}];")
        position = match.end()
    out.append(escape(text[position:]))
    return "".join(out)


def _breakable(text: str) -> str:
    """Let long addresses, identifiers and checksums wrap inside narrow table cells."""
    text = re.sub(r"([/_;,=&?])", r"\1" + _ZWSP, text)
    return re.sub(r"([^\s\u200b/_;,=&?]{16})(?=[^\s\u200b/_;,=&?])", r"\1" + _ZWSP, text)


def _longest_word(text: str) -> int:
    return max((len(w) for w in re.split(r"[\s\u200b]+", _breakable(text)) if w), default=0)


def table_markup(columns: list[str], rows: list[list[str]], caption: str = "", note: str = "") -> str:
    """A typst table; column widths follow the longest text in each column (capped)."""
    widths = []
    for j, name in enumerate(columns):
        texts = [name] + [r[j] for r in rows]
        longest = max(len(t) for t in texts)
        word = max(_longest_word(t) for t in texts)  # a column is never narrower than its longest word
        widths.append(max(min(max(longest, 4), 40), word))
    spec = ", ".join(f"{w}fr" for w in widths)
    header = ", ".join(f"[#strong[{escape(_breakable(c))}]]" for c in columns)
    cells = ", ".join(f"[{escape(_breakable(v))}]" for row in rows for v in row)
    parts = []
    if caption:
        parts.append(f"#emph[{inline(caption)}]\n")
    parts.append("#block(width: 100%)[#set text(size: 6.5pt)\n"
                 f"#table(columns: ({spec},), stroke: 0.3pt + luma(180), inset: 2.5pt, "
                 f"table.header({header}){', ' + cells if cells else ''})]\n")
    if note:
        parts.append(f"#emph[{escape(note)}]\n")
    return "\n".join(parts)


def _pipe_cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def markdown(text: str) -> str:
    """Block-level markdown as typst markup."""
    lines = text.splitlines()
    out: list[str] = []
    paragraph: list[str] = []

    def flush():
        if paragraph:
            out.append(inline(" ".join(s.strip() for s in paragraph)) + "\n")
            paragraph.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            lang = stripped[3:].strip()
            body = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("```"):
                body.append(lines[i])
                i += 1
            out.append(f"#block(width: 100%)[#set text(size: 7pt)\n#raw({_string(chr(10).join(body))}, "
                       f"block: true{', lang: ' + _string(lang) if lang else ''})]\n")
        elif not stripped:
            flush()
        elif m := re.match(r"^(#{1,6})\s+(.*)$", stripped):
            flush()
            out.append("=" * len(m.group(1)) + " " + inline(m.group(2)) + "\n")
        elif stripped.startswith(">"):
            flush()
            quoted = []
            while i < len(lines) and lines[i].strip().startswith(">"):
                quoted.append(lines[i].strip()[1:].strip())
                i += 1
            out.append(f"#quote(block: true)[{inline(' '.join(quoted))}]\n")
            continue
        elif stripped.startswith("|") and i + 1 < len(lines) and re.match(r"^\s*\|?[\s:|-]+\|?\s*$", lines[i + 1]) \
                and "-" in lines[i + 1]:
            flush()
            columns = _pipe_cells(stripped)
            i += 2
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(_pipe_cells(lines[i]))
                i += 1
            out.append(table_markup(columns, rows))
            continue
        elif m := re.match(r"^(\s*)([*+-]|\d+[.)])\s+(.*)$", line):
            flush()
            marker = "-" if m.group(2) in "*+-" else "+"
            item = [m.group(3)]
            i += 1
            while i < len(lines) and lines[i].startswith("  ") and lines[i].strip() \
                    and not re.match(r"^\s*([*+-]|\d+[.)])\s+", lines[i]):
                item.append(lines[i].strip())
                i += 1
            out.append(f"{marker} {inline(' '.join(item))}")
            if i >= len(lines) or not re.match(r"^\s*([*+-]|\d+[.)])\s+", lines[i]):
                out.append("")
            continue
        else:
            paragraph.append(line)
        i += 1
    flush()
    return "\n".join(out)


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def notebook_markup(notebook: nbformat.NotebookNode, image_dir: Path, prefix: str, max_table_rows: int) -> str:
    """One executed chapter as typst markup; its PNG figures are written to image_dir."""
    parts = []
    figure = 0
    for cell in strip_injected(notebook).cells:
        if cell.cell_type == "markdown":
            parts.append(markdown(_text(cell.source)))
            continue
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if TABLE_MIMETYPE in data:
                t = data[TABLE_MIMETYPE]
                rows = t["rows"][:max_table_rows]
                left_out = t.get("left_out", 0) + len(t["rows"]) - len(rows)
                note = f"... and {left_out:,} more rows in the CSV file (and in the HTML report)." if left_out else ""
                parts.append(table_markup(t["columns"], rows, t.get("caption", ""), note))
            elif "image/png" in data:
                figure += 1
                name = f"{prefix}-figure{figure:02d}.png"
                (image_dir / name).write_bytes(base64.b64decode(_text(data["image/png"])))
                parts.append(f'#align(center)[#image("{image_dir.name}/{name}", width: 100%)]\n')
            elif "text/markdown" in data:
                parts.append(markdown(_text(data["text/markdown"])))
            elif "text/plain" in data and output.get("output_type") == "execute_result":
                parts.append(f"#raw({_string(_text(data['text/plain']))}, block: true)\n")
    return "\n".join(parts)


PREAMBLE = """#set document(title: {title}, date: none)
#set page(paper: "a4", margin: (x: 1.6cm, y: 1.8cm), numbering: "1")
#set text(size: 9.5pt, lang: "en")
#set par(justify: false)
#show link: set text(fill: rgb("#0b5394"))
#show heading.where(level: 1): it => {{ pagebreak(weak: true); it }}
#align(center)[#text(size: 18pt, weight: "bold")[{title_markup}]]
#v(0.5em)
#align(center)[#emph[Every number in this document is an output of the pipeline; the HTML report has the full tables.]]
#v(1em)
"""
OUTLINE = "#outline(depth: 1)\n"


def report_markup(chapter_paths: list[str], title: str, image_dir: Path, max_table_rows: int, front: str = "",
                  back: str = "") -> str:
    """The report as typst; `front` (markdown) goes on the first page before the contents, `back`
    after the last chapter (the run stamp and the configuration changes: report/run_stamp.py)."""
    image_dir.mkdir(parents=True, exist_ok=True)
    parts = [PREAMBLE.format(title=_string(title), title_markup=escape(title)), markdown(front), OUTLINE]
    for number, path in enumerate(chapter_paths, start=1):
        notebook = nbformat.read(path, as_version=4)
        parts.append(notebook_markup(notebook, image_dir, f"chapter{number}", max_table_rows))
    parts.append(markdown(back))
    return "\n".join(parts)


def compile_pdf(source: Path, output: Path, root: Path) -> None:
    import typst

    typst.compile(str(source), output=str(output), root=str(root), format="pdf")


def pdf_page_count(pdf: bytes) -> int:
    """Pages of a PDF typst wrote (its page tree root carries the count)."""
    match = re.search(rb"/Type\s*/Pages\s*/Count\s+(\d+)", pdf)
    if not match:
        raise ValueError("no page tree found: not a PDF written by typst?")
    return int(match.group(1))
