"""Build the force x fiscal-year panel from routed ledger rows.

One row per (series, force, fiscal year) for every force in police_forces.csv and every
year of the panel, whatever the ledger holds:

* ``observed``       one value; every source that printed the cell agrees;
* ``conflicting``    sources disagree; the vintage rule chose ``value`` and the losing
                     values stay in ``alternatives`` for the sensitivity analysis;
* ``suppressed``     the source printed a suppressed small count (``*``, ``<5``): no value,
                     but ``lower`` and ``upper`` bound it; the models impute it inside them;
* ``not_provided``   the source said the force did not provide / had no figure, held none,
                     or refused on cost: a gap, never a zero;
* ``missing``        no source in the ledger prints the cell, or every value printed for it was
                     quarantined as implausible (the note names the records);
* ``not_applicable`` the offence did not exist that year (s.15A before 2017/18).

``first_printed`` is the date of the earliest source that printed the chosen value, so that a
published total can be compared with the force figures that existed when it was printed.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from online_csa.common import contracts
from online_csa.common.fiscal_years import fiscal_years_between, format_fiscal_year, parse_fiscal_year

STATUSES = ("observed", "conflicting", "suppressed", "not_provided", "missing", "not_applicable")
VINTAGE_RULES = ("latest_release", "first_release")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")
_BETWEEN = re.compile(r"^between (\d+) and (\d+)$")


def other_vintage_rule(rule: str) -> str:
    """The vintage rule that is not `rule` (latest_release <-> first_release)."""
    if rule not in VINTAGE_RULES:
        raise ValueError(f"unknown vintage rule {rule!r}; expected one of {VINTAGE_RULES}")
    return next(r for r in VINTAGE_RULES if r != rule)


def release_key(date_text) -> tuple[int, int, int]:
    """Sortable (year, month, day) of a source date; missing parts are 0, an unknown date sorts first."""
    if not isinstance(date_text, str):
        return (0, 0, 0)
    match = _DATE.match(date_text.strip())
    if not match:
        return (0, 0, 0)
    return tuple(int(part) if part else 0 for part in match.groups())


def _versions(rows: list[dict]) -> list[dict]:
    """Group a cell's ledger rows (one dict per row) into distinct versions (one per value; one for 'no
    figure'), in the order of their keys."""
    by_key: dict[str, list[dict]] = {}
    for row in rows:
        value, lower, upper = row["value"], row.get("lower", np.nan), row.get("upper", np.nan)
        key = (f"{value:.0f}" if pd.notna(value) else f"between {lower:.0f} and {upper:.0f}" if pd.notna(lower)
               else "gap")
        by_key.setdefault(key, []).append(row)
    versions = []
    for key in sorted(by_key):
        group = by_key[key]
        first = group[0]
        dated = [row["source_date"] for row in group if pd.notna(row["source_date"])]
        dates = [release_key(row["source_date"]) for row in group]
        versions.append({
            "value": float(first["value"]) if pd.notna(first["value"]) else np.nan,
            "lower": first.get("lower", np.nan), "upper": first.get("upper", np.nan), "key": key,
            "record_ids": sorted(row["record_id"] for row in group),
            "latest": max(dates), "first": min(dates),
            "label": max(dated, default="undated", key=release_key),
            "first_label": min(dated, default="", key=release_key),
            "reasons": sorted({row["gap_reason"] for row in group if pd.notna(row["gap_reason"])}),
            "reviews": sorted({row["review_note"] for row in group if pd.notna(row.get("review_note"))}),
        })
    return versions


def choose_version(versions: list[dict], rule: str) -> tuple[dict, str]:
    """Apply the vintage rule. Returns (winner, explanation).

    latest_release: the version printed most recently wins (month precision); a tie goes to
    the version more sources printed, then to the later ledger entry (higher record_id).
    first_release: the earliest printed version wins, ties as above.
    """
    if rule not in VINTAGE_RULES:
        raise ValueError(f"unknown vintage rule {rule!r}; expected one of {VINTAGE_RULES}")
    if rule == "latest_release":
        def order(v):
            return (v["latest"][:2], len(v["record_ids"]), max(v["record_ids"]))
        ranked = sorted(versions, key=order, reverse=True)
    else:
        def order(v):
            return (tuple(-p for p in v["first"][:2]), len(v["record_ids"]), max(v["record_ids"]))
        ranked = sorted(versions, key=order, reverse=True)
    winner, runner_up = ranked[0], ranked[1]
    if winner["latest"][:2] == runner_up["latest"][:2] and rule == "latest_release" \
            or winner["first"][:2] == runner_up["first"][:2] and rule == "first_release":
        if len(winner["record_ids"]) != len(runner_up["record_ids"]):
            why = "same release month; chosen because more sources printed it"
        else:
            why = "same release month and as many sources; chosen as the later ledger entry"
    else:
        why = f"{rule.replace('_', ' ')} wins"
    return winner, why


def _format_version(version: dict) -> str:
    shown = version["key"] if pd.notna(version.get("lower")) else (
        "no figure" if pd.isna(version["value"]) else f"{version['value']:.0f}")
    return f"{shown} [{'; '.join(version['record_ids'])}; {version['label']}]"


def parse_alternatives(text) -> list[dict]:
    """The losing versions of a panel cell, read back from its `alternatives` text
    (``value [record_ids; release date] | ...``): value (None for a gap or a suppressed count),
    lower and upper (a suppressed count's bounds), record_ids (a list) and label (the date)."""
    versions = []
    for entry in filter(None, str(text or "").split(" | ")):
        shown, inside = entry[:entry.index(" [")], entry[entry.index("[") + 1:entry.rindex("]")]
        *ids, label = inside.split("; ")
        between = _BETWEEN.match(shown)
        versions.append({
            "value": None if shown == "no figure" or between else float(shown),
            "lower": float(between.group(1)) if between else None,
            "upper": float(between.group(2)) if between else None,
            "record_ids": ids, "label": label, "text": shown,
        })
    return versions


def resolve_cell(rows: list[dict], rule: str) -> dict:
    """Collapse the ledger rows of one (series, force, year) cell (one dict per row) into one panel row's
    fields."""
    versions = _versions(rows)
    if len(versions) == 1:
        return {**_resolve_single(versions[0]), "first_printed": versions[0]["first_label"]}
    winner, why = choose_version(versions, rule)
    return {**_resolve_conflict(winner, versions, why), "first_printed": winner["first_label"]}


def _with_reviews(note: str, version: dict) -> str:
    return "; ".join(filter(None, [note, *version["reviews"]]))


def _resolve_single(only: dict) -> dict:
    if pd.notna(only["lower"]):
        return {"value": np.nan, "status": "suppressed", "record_ids": ";".join(only["record_ids"]),
                "alternatives": "", "note": f"suppressed small count, {only['key']}",
                "lower": only["lower"], "upper": only["upper"]}
    if pd.isna(only["value"]):
        return {"value": np.nan, "status": "not_provided", "record_ids": ";".join(only["record_ids"]),
                "alternatives": "", "note": "; ".join(only["reasons"]) or "no figure given"}
    note = f"{len(only['record_ids'])} sources agree" if len(only["record_ids"]) > 1 else ""
    return {"value": only["value"], "status": "observed", "record_ids": ";".join(only["record_ids"]),
            "alternatives": "", "note": _with_reviews(note, only)}


def _resolve_conflict(winner: dict, versions: list[dict], why: str) -> dict:
    losers = [v for v in versions if v is not winner]
    suppressed = pd.notna(winner["lower"])
    return {
        "value": winner["value"], "status": "suppressed" if suppressed else "conflicting",
        "record_ids": ";".join(winner["record_ids"]),
        "alternatives": " | ".join(_format_version(v) for v in losers),
        "note": _with_reviews(f"{len(versions)} versions; {why}"
                              + (f"; suppressed small count, {winner['key']}" if suppressed else ""), winner),
        "lower": winner["lower"] if suppressed else np.nan, "upper": winner["upper"] if suppressed else np.nan,
    }


def build_panel(candidates: pd.DataFrame, forces: pd.DataFrame, population: pd.DataFrame, series: list[dict],
                first_year: int, last_year: int, rule: str, age_band: str,
                quarantined: dict[tuple[str, str, int], list[str]] | None = None) -> pd.DataFrame:
    """The full grid of series x forces x years with resolved values, statuses and child-population rates.
    `quarantined` ({(series, force, start year): record ids}, plausibility.quarantined_by_cell) names
    the values the plausibility screen set aside, so their cell's note says so."""
    quarantined = quarantined or {}
    cells: dict[tuple, list[dict]] = {}
    for row in candidates.to_dict("records"):
        cells.setdefault((row["series"], row["force"], row["start_year"]), []).append(row)
    resolved = {key: resolve_cell(rows, rule) for key, rows in cells.items()}
    pop = population.loc[population["age_band"] == age_band].set_index(["force", "mid_year"])["population"]
    rows = []
    for spec in series:
        offence_start = parse_fiscal_year(spec["first_fiscal_year"]) if spec.get("first_fiscal_year") else None
        for force in forces.itertuples(index=False):
            for year in range(first_year, last_year + 1):
                cell = resolved.get((spec["name"], force.force, year))
                if cell is None:
                    if offence_start is not None and year < offence_start:
                        cell = {"value": np.nan, "status": "not_applicable", "record_ids": "", "alternatives": "",
                                "note": f"offence in force from {spec['first_fiscal_year']}", "first_printed": ""}
                    else:
                        cell = {"value": np.nan, "status": "missing", "record_ids": "", "alternatives": "",
                                "note": "no source in the ledger", "first_printed": ""}
                set_aside = quarantined.get((spec["name"], force.force, year))
                if set_aside:
                    said = (f"{';'.join(set_aside)} quarantined as implausible_value (rejected.csv names the rule)")
                    cell = {**cell, "note": said if cell["note"] == "no source in the ledger"
                            else "; ".join(filter(None, [cell["note"], said]))}
                children = pop.get((force.force, year), np.nan)
                rate = cell["value"] / children * 1e5 if children and not pd.isna(children) else np.nan
                if pd.isna(children) and not pd.isna(cell["value"]):
                    cell = {**cell, "note": "; ".join(filter(None, [cell["note"],
                                                                    f"no child population for mid-{year}: no rate"]))}
                rows.append({"series": spec["name"], "force": force.force, "ons_code": force.ons_code,
                             "fiscal_year": format_fiscal_year(year), **cell,
                             "child_population": children, "rate_per_100k": rate})
    panel = pd.DataFrame(rows)
    panel["child_population"] = panel["child_population"].astype("Int64")
    panel["value"] = panel["value"].astype("Int64")
    for bound in ("lower", "upper"):
        panel[bound] = (panel[bound] if bound in panel else pd.Series(np.nan, index=panel.index)).astype("Int64")
    panel["rate_per_100k"] = panel["rate_per_100k"].round(3)
    return contracts.PANEL.ordered(panel)


def panel_years(candidates: pd.DataFrame, first_year: int) -> list[str]:
    last = int(candidates["start_year"].max()) if len(candidates) else first_year
    return fiscal_years_between(first_year, last)
