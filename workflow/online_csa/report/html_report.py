"""Stitch executed chapter notebooks into one self-contained HTML report."""
from __future__ import annotations

import html
import re

import nbformat

INJECTED_TAG = "snakemake-job-properties"
EXTRA_CSS = """
<style>
 body { max-width: 1200px; margin: auto; font-family: system-ui, sans-serif; }
 .table-wrap { max-height: 34em; overflow: auto; margin: 0.5em 0 1.5em 0; }
 table.data { border-collapse: collapse; font-size: 0.78em; }
 table.data th { position: sticky; top: 0; background: #f4f4f4; }
 table.data td, table.data th { border-bottom: 1px solid #ddd; padding: 2px 6px; vertical-align: top; text-align: left; }
 p.caption { font-style: italic; color: #444; margin: 0.2em 0; }
 nav.toc { background: #f8f8f8; padding: 0.5em 1em; border: 1px solid #ddd; }
</style>
"""


def strip_injected(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop the cell Snakemake injects (pickled job, absolute paths) and execution metadata."""
    notebook.cells = [c for c in notebook.cells if INJECTED_TAG not in c.get("metadata", {}).get("tags", [])]
    for cell in notebook.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    notebook.metadata.pop("papermill", None)
    return notebook


def combine(chapters: list[nbformat.NotebookNode]) -> nbformat.NotebookNode:
    combined = nbformat.v4.new_notebook(metadata=chapters[0].metadata)
    for number, chapter in enumerate(chapters, start=1):
        for index, cell in enumerate(strip_injected(chapter).cells):
            cell.id = f"chapter{number}-cell{index:02d}"  # unique and stable, so the HTML is byte-stable
            combined.cells.append(cell)
    return combined


def _toc(body: str) -> str:
    headings = re.findall(r'<h1 id="([^"]+)">(.*?)<a class="anchor-link"', body)
    items = "".join(f'<li><a href="#{anchor}">{text}</a></li>' for anchor, text in headings)
    return f'<nav class="toc"><strong>Contents</strong><ul>{items}</ul></nav>'


EXPLORER_TITLE = "Explore the assumptions"


def explorer_section(fragment: str) -> str:
    """The explorer fragment (assumptions_explorer.py) as a section with a heading the contents list."""
    anchor = EXPLORER_TITLE.replace(" ", "-")
    return (f'<section class="explorer-section"><h1 id="{anchor}">{EXPLORER_TITLE}'
            f'<a class="anchor-link" href="#{anchor}">&#182;</a></h1>\n{fragment}</section>\n')


def render_html(chapter_paths: list[str], title: str, explorer: str | None = None, front: str = "",
                back: str = "") -> str:
    """The report; `explorer`, the assumptions explorer's HTML fragment, goes in its own section
    before the last chapter (the provenance appendix); `front` and `back` are markdown shown before
    the first chapter and after the last (the run stamp and the configuration changes:
    report/run_stamp.py)."""
    from nbconvert import HTMLExporter  # here, not at the top: the PDF job uses this module but not nbconvert

    chapters = [nbformat.read(path, as_version=4) for path in chapter_paths]
    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    notebook = combine(chapters)
    if front:
        notebook.cells.insert(0, nbformat.v4.new_markdown_cell(front, id="front-matter"))
    if back:
        notebook.cells.append(nbformat.v4.new_markdown_cell(back, id="back-matter"))
    body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": title}})
    if explorer is not None:
        appendix = re.search(rf'<div class="[^"]*" id="cell-id=chapter{len(chapters)}-cell00"', body)
        at = appendix.start() if appendix else body.index("</main>")
        body = body[:at] + explorer_section(explorer) + body[at:]
    body = body.replace("</head>", EXTRA_CSS + "</head>", 1)
    heading = f"<h1 class='report-title'>{html.escape(title)}</h1>"
    return re.sub(r"(<main>|<body[^>]*>)", lambda m: m.group(1) + heading + _toc(body), body, count=1)
