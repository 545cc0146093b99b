"""Compare two runs' results folders: which tables differ, which claim verdicts changed, and how
the headline numbers (imputed totals, the share of draws in which each claim holds) moved.

For the reviewer who reruns with other assumptions, or the maintainer who vendors a new
release of the ledger, and wants to see what moved without reading every table.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from online_csa.common.formatting import format_number


# Tables whose rows have a natural key: a changed row is reported by its key.
ROW_KEYS = {
    "tables/claims.csv": ["claim_id"],
    "tables/national_estimates.csv": ["series", "fiscal_year", "geography"],
    "tables/force_year_estimates.csv": ["series", "force", "fiscal_year"],
    "tables/panel.csv": ["series", "force", "fiscal_year"],
    "tables/scenario_claim_support.csv": ["scenario", "claim_id", "threshold"],
    "tables/scenario_comparison.csv": ["scenario", "metric"],
}


@dataclass
class RunComparison:
    tables: pd.DataFrame  # table, status (identical, differs, only in first, only in second), rows, changed rows
    verdicts: pd.DataFrame  # claim_id, measure, fiscal_year, geography, published, verdict and value in each run
    totals: pd.DataFrame  # series, fiscal_year, geography, estimate and interval in each run
    claim_support: pd.DataFrame  # scenario, claim_id, threshold, share holding (adjusted) in each run


def _tables(root: Path) -> dict[str, Path]:
    return {str(p.relative_to(root)): p for p in sorted(root.glob("**/*.csv"))
            if not p.relative_to(root).parts[0] in ("logs",)}


def _changed_rows(first: pd.DataFrame, second: pd.DataFrame, key: list[str]) -> int:
    """Rows added, removed or changed between two versions of a table, matched by key."""
    if not set(key) <= set(first.columns) & set(second.columns):
        return -1
    merged = first.merge(second, on=key, how="outer", suffixes=("_a", "_b"), indicator=True)
    changed = merged["_merge"] != "both"
    for column in (set(first.columns) & set(second.columns)) - set(key):
        a, b = merged[f"{column}_a"], merged[f"{column}_b"]
        changed |= ~((a == b) | (a.isna() & b.isna()))
    return int(changed.sum())


def compare_tables(first: Path, second: Path) -> pd.DataFrame:
    a, b = _tables(first), _tables(second)
    rows = []
    for name in sorted(set(a) | set(b)):
        if name not in b:
            rows.append({"table": name, "status": "only in first", "rows_first": len(pd.read_csv(a[name])),
                         "rows_second": None, "changed_rows": None})
            continue
        if name not in a:
            rows.append({"table": name, "status": "only in second", "rows_first": None,
                         "rows_second": len(pd.read_csv(b[name])), "changed_rows": None})
            continue
        same = a[name].read_bytes() == b[name].read_bytes()
        fa, fb = pd.read_csv(a[name]), pd.read_csv(b[name])
        changed = 0 if same else (_changed_rows(fa, fb, ROW_KEYS[name]) if name in ROW_KEYS else None)
        rows.append({"table": name, "status": "identical" if same else "differs", "rows_first": len(fa),
                     "rows_second": len(fb), "changed_rows": changed})
    return pd.DataFrame(rows, columns=["table", "status", "rows_first", "rows_second", "changed_rows"])


def _read(root: Path, name: str) -> pd.DataFrame | None:
    path = root / name
    return pd.read_csv(path) if path.exists() else None


def changed_verdicts(first: Path, second: Path) -> pd.DataFrame:
    """Claims whose verdict or reproduced value differs, or that exist in one run only."""
    columns = ["claim_id", "measure", "fiscal_year", "geography", "published_value", "verdict_first",
               "verdict_second", "reproduced_first", "reproduced_second"]
    a, b = _read(first, "tables/claims.csv"), _read(second, "tables/claims.csv")
    if a is None or b is None:
        return pd.DataFrame(columns=columns)
    keep = ["claim_id", "measure", "fiscal_year", "geography", "published_value", "verdict", "reproduced_value"]
    merged = a[keep].merge(b[keep], on="claim_id", how="outer", suffixes=("_first", "_second"))
    for column in ("measure", "fiscal_year", "geography", "published_value"):
        merged[column] = merged[f"{column}_first"].combine_first(merged[f"{column}_second"])
    merged = merged.rename(columns={"reproduced_value_first": "reproduced_first",
                                    "reproduced_value_second": "reproduced_second"})
    same_value = (merged["reproduced_first"].round(6) == merged["reproduced_second"].round(6)) | (
        merged["reproduced_first"].isna() & merged["reproduced_second"].isna())
    moved = (merged["verdict_first"] != merged["verdict_second"]) | ~same_value
    return merged.loc[moved, columns].reset_index(drop=True)


def changed_totals(first: Path, second: Path) -> pd.DataFrame:
    """Imputed totals whose estimate or 90% interval differs (or that exist in one run only)."""
    key = ["series", "fiscal_year", "geography"]
    values = ["estimate", "lower_90", "upper_90"]
    a, b = _read(first, "tables/national_estimates.csv"), _read(second, "tables/national_estimates.csv")
    if a is None or b is None:
        return pd.DataFrame(columns=key + [f"{v}_{s}" for s in ("first", "second") for v in values])
    merged = a[key + values].merge(b[key + values], on=key, how="outer", suffixes=("_first", "_second"))
    moved = pd.Series(False, index=merged.index)
    for v in values:
        x, y = merged[f"{v}_first"], merged[f"{v}_second"]
        moved |= ~((x.round(6) == y.round(6)) | (x.isna() & y.isna()))
    return merged.loc[moved].reset_index(drop=True)


def changed_claim_support(first: Path, second: Path) -> pd.DataFrame:
    key = ["scenario", "claim_id", "threshold"]
    a = _read(first, "tables/scenario_claim_support.csv")
    b = _read(second, "tables/scenario_claim_support.csv")
    if a is None or b is None:
        return pd.DataFrame(columns=key + ["adjusted_first", "adjusted_second"])
    merged = a[key + ["share_holding_adjusted"]].merge(b[key + ["share_holding_adjusted"]], on=key, how="outer",
                                                       suffixes=("_first", "_second"))
    merged = merged.rename(columns={"share_holding_adjusted_first": "adjusted_first",
                                    "share_holding_adjusted_second": "adjusted_second"})
    moved = ~((merged["adjusted_first"] == merged["adjusted_second"]) |
              (merged["adjusted_first"].isna() & merged["adjusted_second"].isna()))
    return merged.loc[moved].reset_index(drop=True)


def compare_runs(first: str | Path, second: str | Path) -> RunComparison:
    """first and second are results/ folders (or copies of them)."""
    first, second = Path(first), Path(second)
    for root in (first, second):
        if not (root / "tables").is_dir():
            raise FileNotFoundError(f"{root} is not a results folder: it has no tables/ subfolder")
    return RunComparison(compare_tables(first, second), changed_verdicts(first, second),
                         changed_totals(first, second), changed_claim_support(first, second))


def _interval(row, suffix: str) -> str:
    estimate = row[f"estimate_{suffix}"]
    if pd.isna(estimate):
        return "—"
    return (f"{format_number(estimate)} [{format_number(row[f'lower_90_{suffix}'])}–"
            f"{format_number(row[f'upper_90_{suffix}'])}]")


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    return f"{value:,.10g}" if isinstance(value, (int, float)) else str(value)


def markdown(comparison: RunComparison, first_label: str, second_label: str) -> str:
    """The comparison as Markdown: tables that differ, verdicts that changed, totals that moved."""
    t = comparison.tables
    lines = [f"# Comparison of two runs\n", f"- first: `{first_label}`", f"- second: `{second_label}`", ""]
    counts = t["status"].value_counts()
    lines.append("Tables: " + ", ".join(f"{n} {status}" for status, n in counts.items()) + ".\n")
    differing = t[t["status"] != "identical"]
    if len(differing):
        lines += ["## Tables that differ\n", "| table | status | rows (first → second) | changed rows |",
                  "|---|---|---|---|"]
        for r in differing.itertuples(index=False):
            changed = "" if pd.isna(r.changed_rows) or r.changed_rows < 0 else str(int(r.changed_rows))
            lines.append(f"| {r.table} | {r.status} | {_cell(r.rows_first)} → {_cell(r.rows_second)} | {changed} |")
        lines.append("")
    v = comparison.verdicts
    lines.append(f"## Claim verdicts that changed ({len(v)})\n")
    if len(v):
        lines += ["| claim | measure | year | published | verdict (first → second) | reproduced (first → second) |",
                  "|---|---|---|---|---|---|"]
        for r in v.itertuples(index=False):
            lines.append(f"| {r.claim_id} | {r.measure} | {r.fiscal_year} | {_cell(r.published_value)} | "
                         f"{_cell(r.verdict_first)} → {_cell(r.verdict_second)} | "
                         f"{_cell(r.reproduced_first)} → {_cell(r.reproduced_second)} |")
        lines.append("")
    totals = comparison.totals
    lines.append(f"## Imputed totals that moved ({len(totals)})\n")
    if len(totals):
        lines += ["| series | year | geography | first: estimate [90%] | second: estimate [90%] |",
                  "|---|---|---|---|---|"]
        for _, r in totals.iterrows():
            lines.append(f"| {r.series} | {r.fiscal_year} | {r.geography} | {_interval(r, 'first')} | "
                         f"{_interval(r, 'second')} |")
        lines.append("")
    support = comparison.claim_support
    lines.append(f"## Share of draws in which a claim holds, changed ({len(support)})\n")
    if len(support):
        lines += ["| scenario | claim | threshold | first | second |", "|---|---|---|---|---|"]
        for r in support.itertuples(index=False):
            lines.append(f"| {r.scenario} | {r.claim_id} | {_cell(r.threshold)} | {_cell(r.adjusted_first)} | "
                         f"{_cell(r.adjusted_second)} |")
        lines.append("")
    return "\n".join(lines)
