"""The cleaning stage as one pure function: raw ledger tables in, panel + claims + rejected out."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from online_csa.common import contracts
from online_csa.common.fiscal_years import parse_fiscal_year
from online_csa.common.forces import ForceRegister
from online_csa.cleaning.panel import build_panel, other_vintage_rule, parse_alternatives
from online_csa.cleaning.plausibility import largest_national_totals, quarantined_by_cell, screen_counts
from online_csa.cleaning.routing import corrections_by_action, route_force_figures, route_national_figures
from online_csa.common.table_schemas import validate_table


@dataclass
class CleanedLedger:
    panel: pd.DataFrame
    claim_records: pd.DataFrame
    rejected: pd.DataFrame
    routing: pd.DataFrame
    # the same panel built with the other vintage rule, so that claims can be judged under both
    other_vintage_panel: pd.DataFrame


def _routing(panel, claim_records, rejected) -> pd.DataFrame:
    """Where every ledger row went, one line per record_id (the no-row-lost ledger)."""
    rows = []
    for cell in panel.itertuples(index=False):
        key = f"{cell.series}|{cell.force}|{cell.fiscal_year}"
        for rid in filter(None, str(cell.record_ids).split(";")):
            rows.append((rid, "panel", "value" if cell.status in ("observed", "conflicting") and pd.notna(cell.value)
                         else "gap", key))
        for alternative in parse_alternatives(cell.alternatives):
            rows.extend((rid, "panel", "alternative", key) for rid in alternative["record_ids"])
    rows.extend((rid, "claims", "claim", rid) for rid in claim_records["record_id"])
    rows.extend((r.record_id, "rejected", r.reason, r.field) for r in rejected.itertuples(index=False))
    routing = pd.DataFrame(rows, columns=["record_id", "destination", "role", "key"])
    routing.insert(1, "source_file", routing["record_id"].map(
        lambda r: "force_figures.csv" if r.startswith("F") else "national_figures.csv"))
    return contracts.ROUTING.ordered(routing.sort_values("record_id", kind="stable").reset_index(drop=True))


def _stack(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate, skipping empty frames; a column that is all NA in one frame takes the dtype it
    has where it holds values (pandas would otherwise let the empty column decide, and warns)."""
    kept = [f for f in frames if len(f)]
    if not kept:
        return frames[0].iloc[0:0]
    dtypes = {}
    for frame in kept:
        for column in frame.columns:
            if column not in dtypes and frame[column].notna().any():
                dtypes[column] = frame[column].dtype
    kept = [f.astype({c: dtypes[c] for c in f.columns if c in dtypes and f[c].isna().all() and f[c].dtype != dtypes[c]})
            for f in kept]
    return pd.concat(kept, ignore_index=True)


def _implausible_rows(implausible: pd.DataFrame, source_file: str = "force_figures.csv") -> pd.DataFrame:
    return pd.DataFrame({"record_id": implausible["record_id"], "source_file": source_file, "field": "value",
                         "reason": "implausible_value", "detail": implausible["detail"]}, columns=contracts.REJECTED.column_names)


def clean_ledger(force_figures: pd.DataFrame, national_figures: pd.DataFrame, police_forces: pd.DataFrame,
                 child_population: pd.DataFrame, corrections: pd.DataFrame, series: list[dict],
                 first_fiscal_year: str, vintage_rule: str, age_band: str,
                 suppressed_range: tuple[int, int] = (1, 4)) -> CleanedLedger:
    register = ForceRegister(police_forces)
    names = [s["name"] for s in series]
    first = parse_fiscal_year(first_fiscal_year)
    unknown = sorted(set(corrections["record_id"]) - set(force_figures["record_id"]) - set(national_figures["record_id"]))
    if unknown:
        raise ValueError(f"config/corrections.csv names record(s) not in the ledger: {unknown}")
    candidates, force_claims, force_rejected = route_force_figures(
        force_figures, register, names, first, corrections, suppressed_range=suppressed_range,
        series_start={s["name"]: parse_fiscal_year(s["first_fiscal_year"]) for s in series if s.get("first_fiscal_year")})
    national_claims, national_rejected = route_national_figures(national_figures, corrections)
    candidates, implausible = screen_counts(candidates, child_population, age_band,
                                            largest_national_totals(national_claims, names),
                                            corrections_by_action(corrections, "accept"))
    last = int(candidates["start_year"].max()) if len(candidates) else first
    quarantined = quarantined_by_cell(implausible)
    panels = {rule: build_panel(candidates, register.table, child_population, series, first, last, rule, age_band,
                                quarantined)
              for rule in (vintage_rule, other_vintage_rule(vintage_rule))}
    claim_records = _stack([force_claims, national_claims])
    rejected = _stack([force_rejected, _implausible_rows(implausible), national_rejected])[contracts.REJECTED.column_names]
    rejected = rejected.sort_values("record_id", kind="stable").reset_index(drop=True)
    for panel in panels.values():
        validate_table(panel, "panel")
    validate_table(rejected, "rejected")
    panel = panels[vintage_rule]
    return CleanedLedger(panel, claim_records, rejected, _routing(panel, claim_records, rejected),
                         panels[other_vintage_rule(vintage_rule)])
