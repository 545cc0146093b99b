"""Small helpers for the notebooks: every number in the report's prose is formatted here
from a pipeline output, never typed by hand."""
from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
from IPython.display import HTML, Image, Markdown, display

from online_csa.common.formatting import format_number


def n(x, digits: int = 0) -> str:
    """Thousands separators; 'n/a' for a missing value (the chapters' short name for format_number)."""
    return format_number(x, digits)


def pct(x, digits: int = 0) -> str:
    return "n/a" if x is None or pd.isna(x) else f"{100 * x:.{digits}f}%"


def md(text: str) -> None:
    display(Markdown(text))


def table(frame: pd.DataFrame, columns: list[str] | None = None, max_rows: int | None = None,
          caption: str = "") -> None:
    """A compact HTML table (all rows unless max_rows is given, and then says how many were left out)."""
    shown = frame if columns is None else frame[columns]
    left_out = 0
    if max_rows is not None and len(shown) > max_rows:
        left_out = len(shown) - max_rows
        shown = shown.head(max_rows)
    body = shown.to_html(index=False, na_rep="", escape=True, border=0, classes="data")
    note = f"<p class='caption'>{html.escape(caption)}</p>" if caption else ""
    more = f"<p class='caption'>... and {left_out} more rows in the CSV file.</p>" if left_out else ""
    # The HTML is for the web report; the same table as data is for the PDF (typst_report.py).
    display({"text/html": f"<div class='table-wrap'>{note}{body}{more}</div>",
             TABLE_MIMETYPE: table_data(shown, caption, left_out)}, raw=True)


TABLE_MIMETYPE = "application/vnd.online-csa.table+json"


def _cell(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def table_data(frame: pd.DataFrame, caption: str = "", left_out: int = 0) -> dict:
    """A table as plain JSON: column names, rows of formatted text, caption, rows left out."""
    return {"columns": [str(c) for c in frame.columns],
            "rows": [[_cell(v) for v in row] for row in frame.itertuples(index=False, name=None)],
            "caption": caption, "left_out": int(left_out)}


def results_path(path) -> str:
    """A pipeline file as the project names it (`results/...`), whether the job gives it relative
    (under Snakemake) or absolute (a notebook run by hand)."""
    text = str(path).replace("\\", "/")
    at = text.rfind("/results/")
    return text[at + 1:] if at >= 0 else text


FIGURE_METADATA = "online_csa_figure"


def figure(path_or_png) -> None:
    """A figure from its file, or from PNG bytes drawn in the notebook. A file's name travels with
    it, so the reports can number the figure and add its caption."""
    if isinstance(path_or_png, bytes):
        display(Image(data=path_or_png, format="png"))
    else:
        display(Image(filename=str(path_or_png)), metadata={FIGURE_METADATA: Path(path_or_png).stem})


def verdict_counts(claims: pd.DataFrame) -> dict[str, int]:
    counts = claims["verdict"].value_counts()
    return {v: int(counts.get(v, 0)) for v in ("reproduced", "consistent", "contradicted", "not_reproducible")}


def source_addresses(record_ids: str, sources: pd.DataFrame) -> str:
    """Record ids -> 'F0001 <url>; ...' using the ledger's own source_url column."""
    urls = sources.set_index("record_id")["source_url"]
    parts = []
    for rid in filter(None, str(record_ids).split(";")):
        parts.append(f"{rid} {urls.get(rid, '')}".strip())
    return "; ".join(parts)
