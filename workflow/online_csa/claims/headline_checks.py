"""Cross-release checks of the NSPCC's headline claims.

Per-record checks (check_claims.py) test one printed figure at a time. The headline claims need
several figures at once: "doubled since 2015/16" on forces present in both years and on the
release's own totals, the 2015/16 base that moved between releases, two totals for 2018/19, a
percent change whose base is not the published total, and how much of the rise one new
offence could explain.
Which ledger records play which part is configuration (``headline_checks`` in
config/config.yaml), so a new release is a config change, not a code change.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from online_csa.claims.cell_index import CellIndex
from online_csa.claims.verdicts import judge_ratio
from online_csa.common import contracts
from online_csa.common.fiscal_years import parse_fiscal_year
from online_csa.common.formatting import format_number
from online_csa.common.geographies import GeographyMap


class RecordBook:
    """Published values by record_id, with a clear error for a record the ledger lacks."""

    def __init__(self, claim_records: pd.DataFrame):
        self.table = claim_records.set_index("record_id")

    def value(self, record_id: str) -> float:
        if record_id not in self.table.index:
            raise KeyError(f"headline_checks names {record_id}, which is not a claim record of the ledger")
        value = self.table.at[record_id, "value"]
        if pd.isna(value):
            raise ValueError(f"headline_checks: record {record_id} has no value")
        return float(value)

    def responders_change(self, earlier: str, later: str) -> str:
        """' with N more responding forces', from the releases' own forces_responded fields."""
        a, b = (pd.to_numeric(self.table.at[r, "forces_responded"], errors="coerce") for r in (earlier, later))
        if pd.isna(a) or pd.isna(b):
            return ""
        return f" with {b - a:+.0f} responding forces ({a:.0f} -> {b:.0f})"

    def describe(self, record_id: str) -> str:
        row = self.table.loc[record_id]
        return f"{format_number(row['value'])} ({record_id}, {row['release_date']}, {row['geography']})"


def _row(claim_id, record_ids, fiscal_year, geography, measure, published, reproduced, basis, verdict, note,
         method, inputs="", coverage=np.nan):
    return {"claim_id": claim_id, "record_ids": record_ids, "fiscal_year": fiscal_year, "geography": geography,
            "measure": measure, "published_value": published, "reproduced_value": reproduced, "basis": basis,
            "verdict": verdict, "note": note, "level": "headline", "kind": "cross_release", "method": method,
            "coverage_share": coverage, "input_record_ids": inputs, "release_date": ""}


def doubling_like_for_like(cells: CellIndex, geographies: GeographyMap, book: RecordBook, spec: dict) -> dict:
    """H01a: "doubled" (at least `spec['threshold']` times, unrounded) on the forces with figures in
    both years. `spec` is headline_checks.doubling, which doubling_release_totals reads too."""
    first, last = parse_fiscal_year(spec["from_year"]), parse_fiscal_year(spec["to_year"])
    geography = geographies.geographies[spec["geography"]]
    series, threshold = spec["series"], spec["threshold"]
    published = book.value(spec["published_record"])
    period = f"{spec['from_year']}-{spec['to_year']}"
    both = cells.forces_with_figures_in_both(series, geography.forces, first, last)
    start, end = cells.components(series, both, [first]), cells.components(series, both, [last])
    ratio = end.total / start.total if start.total else np.nan
    coverage = cells.coverage(end, geography.forces, [last])
    verdict, why = judge_ratio(ratio, threshold)
    return _row(
        "H01a_doubling_like_for_like", spec["published_record"], period, geography.label, f"{series}_fold_change",
        published, round(ratio, 4),
        f"{len(both)} of {len(geography.forces)} forces in {geography.label} have figures for both "
        f"{spec['from_year']} and {spec['to_year']}: {format_number(start.total)} -> {format_number(end.total)}; "
        f"forces: {', '.join(both)}",
        verdict, f"{why}, on a like-for-like set covering {coverage:.0%} of the children",
        "like-for-like force-level ratio", ";".join(filter(None, [start.record_ids, end.record_ids])), coverage)


def doubling_release_totals(geographies: GeographyMap, book: RecordBook, spec: dict) -> dict:
    """H01b: "doubled" on the release's own totals, which need not cover the same forces; the same
    threshold as H01a (headline_checks.doubling)."""
    geography = geographies.geographies[spec["geography"]]
    series, threshold = spec["series"], spec["threshold"]
    published = book.value(spec["published_record"])
    period = f"{spec['from_year']}-{spec['to_year']}"
    before, after = spec["release_from_record"], spec["release_to_record"]
    totals_ratio = book.value(after) / book.value(before)
    verdict, why = judge_ratio(totals_ratio, threshold)
    return _row(
        "H01b_doubling_release_totals", spec["published_record"], period, geography.label, f"{series}_fold_change",
        published, round(totals_ratio, 4),
        f"the release's own totals: {book.describe(after)} / {book.describe(before)} = {totals_ratio:.3f}",
        verdict, f"{why}; the two totals need not cover the same forces (H01a compares like with like)",
        "ratio of published totals", f"{before};{after}")


def base_year_vintages(cells: CellIndex, geographies: GeographyMap, book: RecordBook, spec: dict) -> list[dict]:
    """The 2015/16 base as printed in successive releases, and what force data say about each step."""
    records = spec["records"]  # oldest first
    values = [book.value(r) for r in records]
    year = parse_fiscal_year(spec["year"])
    numerator = book.value(spec["compare_with"])
    ratios = "; ".join(f"{format_number(numerator)} / {format_number(v)} = {numerator / v:.2f}" for v in values)
    printed = " -> ".join(book.describe(r) for r in records)
    rows = []
    # step 1: the E&W base grew when one more force answered and earlier answers were revised
    revisions = []
    for force in geographies.geographies[spec["geography"]].forces:
        value, status, ids = cells.cell(spec["series"], force, year)
        if status == "conflicting":
            now = format_number(value) if value is not None else "no figure"
            revisions.append(f"{force} (now {now}, record {ids})")
    step = values[1] - values[0]
    rows.append(_row(
        "H02a_base_2015_16_first_revision", f"{records[0]};{records[1]}", spec["year"], "England and Wales",
        "online_child_sexual_offences", values[1], values[0],
        f"printed bases: {printed}. The second base is {format_number(step)} higher"
        f"{book.responders_change(records[0], records[1])}. "
        f"Force-level revisions of {spec['year']} in the ledger: {', '.join(revisions) or 'none'}",
        "not_reproducible",
        f"the ledger does not say which force joined or what every force revised, so the step of {format_number(step)} "
        f"cannot be rebuilt from force data. Doubling ratios: {ratios}",
        "comparison of published vintages", ";".join(records)))
    # step 2: E,W&NI base = E&W base + Northern Ireland
    ni_force = spec["added_force"]
    ni_value, _, ni_ids = cells.cell(spec["series"], ni_force, year)
    if ni_value is None:
        rows.append(_row("H02b_base_2015_16_adds_northern_ireland", f"{records[1]};{records[2]}", spec["year"],
                         "England, Wales and Northern Ireland", "online_child_sexual_offences", values[2], np.nan,
                         f"no {ni_force} figure for {spec['year']}", "not_reproducible", "", "comparison of published vintages"))
        return rows
    rebuilt = values[1] + ni_value
    gap = values[2] - rebuilt
    tolerance = spec.get("revision_tolerance", 0.005) * values[2]
    verdict = "reproduced" if gap == 0 else "consistent" if abs(gap) <= tolerance else "contradicted"
    rows.append(_row(
        "H02b_base_2015_16_adds_northern_ireland", f"{records[1]};{records[2]}", spec["year"],
        "England, Wales and Northern Ireland", "online_child_sexual_offences", values[2], rebuilt,
        f"{format_number(values[1])} ({records[1]}, England and Wales) + {format_number(ni_value)} "
        f"({ni_force}, {ni_ids}) = {format_number(rebuilt)}",
        verdict, f"the 2019 base differs from the 2017 base plus Northern Ireland by {format_number(gap)}; "
                 f"within the {spec.get('revision_tolerance', 0.005):.1%} allowed for revisions" if verdict == "consistent" else "",
        "published vintage + force figure", f"{records[1]};{ni_ids}"))
    return rows


def total_vintages(cells: CellIndex, geographies: GeographyMap, book: RecordBook, spec: dict) -> dict:
    early, late = spec["records"]
    a, b = book.value(early), book.value(late)
    year = parse_fiscal_year(spec["year"])
    geography = geographies.geographies[spec["geography"]]
    seen = [v for f in geography.forces if (v := cells.value(spec["series"], f, year)) is not None]
    median = float(np.median(seen)) if seen else np.nan
    extra = spec["extra_forces"]
    gap = b - a
    verdict = "consistent" if gap >= 0 else "contradicted"
    return _row(
        "H03_2018_19_total_two_releases", f"{early};{late}", spec["year"], geography.label,
        "online_child_sexual_offences", b, a,
        f"{book.describe(early)} against {book.describe(late)}: the later total is {format_number(gap)} higher, from "
        f"{extra} more responding forces ({format_number(gap / extra, 1)} each); the median force figure for "
        f"{spec['year']} in the ledger is {format_number(median, 1)}",
        verdict, "the larger total covers more forces; neither is wrong, but they are not the same quantity",
        "comparison of published vintages", f"{early};{late}")


def percent_change_base(cells: CellIndex, geographies: GeographyMap, book: RecordBook, spec: dict) -> dict:
    """A percent change against the published totals it could start from: consistent when one of
    them gives it (to the printed whole percent), else not reproducible, since the base it
    implies was never printed (nothing contradicts a base nobody published)."""
    change = book.value(spec["change_record"])
    end = book.value(spec["end_record"])
    implied = end / (1 + change / 100)
    lines, matched = [], []
    for record in spec["base_records"]:
        base = book.value(record)
        pct = (end / base - 1) * 100
        if abs(pct - change) < 1:
            matched.append(record)
        lines.append(f"against {book.describe(record)}: +{pct:.1f}%")
    if matched:
        verdict, note = "consistent", f"the published base {', '.join(matched)} gives the printed +{change:g}%"
    else:
        verdict, note = "not_reproducible", (
            f"the base the change implies, {format_number(end)} / {1 + change / 100:g} = {format_number(implied)}, "
            f"was never printed; the published 2018/19 totals give other changes")
    return _row(
        "H04_plus16_to_10391", f"{spec['change_record']};{spec['end_record']}", spec["period"],
        "England, Wales, Northern Ireland and Channel Islands", "online_child_sexual_offences_pct_change", change,
        round(implied, 1),
        f"{book.describe(spec['end_record'])} is +{change:g}% on a base of {format_number(implied)}; "
        + "; ".join(lines),
        verdict, note, "published totals", ";".join([spec["end_record"], *spec["base_records"]]))


def s15a_share_of_rise(cells: CellIndex, geographies: GeographyMap, book: RecordBook, spec: dict) -> dict:
    start, end, s15a = book.value(spec["from_record"]), book.value(spec["to_record"]), book.value(spec["s15a_record"])
    rise = end - start
    share = s15a / rise
    without = end - s15a
    return _row(
        "H05_s15a_could_account_for_rise", ";".join([spec["from_record"], spec["to_record"], spec["s15a_record"]]),
        spec["period"], "England, Wales and Northern Ireland", "share_of_rise_matching_s15a_offences", np.nan,
        round(share, 4),
        f"rise {format_number(end)} - {format_number(start)} = {format_number(rise)}; "
        f"s.15A sexual communication offences in "
        f"{spec['s15a_year']}: {book.describe(spec['s15a_record'])} = {share:.0%} of the rise",
        "not_reproducible",
        f"the offence did not exist in the base year; if every s.15A offence carried the online flag, "
        f"{spec['s15a_year']} without them would be {format_number(without)}, a ratio of {without / start:.2f}. "
        "How many were flagged is not published, so 'doubled' cannot be shown on a like-for-like offence scope",
        "published totals", ";".join([spec["from_record"], spec["to_record"], spec["s15a_record"]]))


def _headline_rows(claim_records: pd.DataFrame, panel: pd.DataFrame, geographies: GeographyMap,
                   spec: dict) -> pd.DataFrame:
    cells, book = CellIndex(panel), RecordBook(claim_records)
    rows = [doubling_like_for_like(cells, geographies, book, spec["doubling"]),
            doubling_release_totals(geographies, book, spec["doubling"]),
            *base_year_vintages(cells, geographies, book, spec["base_year_vintages"]),
            total_vintages(cells, geographies, book, spec["total_vintages"]),
            percent_change_base(cells, geographies, book, spec["percent_change_base"]),
            s15a_share_of_rise(cells, geographies, book, spec["s15a_share_of_rise"])]
    return pd.DataFrame(rows).reindex(columns=contracts.CLAIMS.column_names)


def headline_checks(claim_records: pd.DataFrame, panel: pd.DataFrame, geographies: GeographyMap,
                    spec: dict, other_vintage_panel: pd.DataFrame | None = None) -> pd.DataFrame:
    """The headline claims' rows of claims.csv (the claims contract's columns), one or more per check in `spec`;
    with `other_vintage_panel` (the panel built with the other vintage rule), the verdict each gets
    on it in `verdict_other_vintage_rule`."""
    rows = _headline_rows(claim_records, panel, geographies, spec)
    if other_vintage_panel is not None:
        other = _headline_rows(claim_records, other_vintage_panel, geographies, spec)
        rows["verdict_other_vintage_rule"] = rows["claim_id"].map(other.set_index("claim_id")["verdict"])
    return rows
