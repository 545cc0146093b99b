"""Totals the ledger already prints, as limits on the imputation (imputation.py applies them).

* a force's **cumulative total** over several whole fiscal years (`<series>_cumulative` records
  at force level) fixes the sum of that force's cells in those years;
* a **national total over a known number of responding forces** (named in config, with the
  forces of its geography) fixes the sum of the responders' cells in its year.

Either is applied by rescaling the drawn cells it covers so that they sum to what is left of
the total once the observed cells are taken off (`rescale_rows`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from online_csa.common.fiscal_years import parse_fiscal_year, parse_period

CUMULATIVE, NATIONAL = "cumulative", "national"


@dataclass(frozen=True)
class TotalConstraint:
    record_id: str
    kind: str  # CUMULATIVE (one force, several years) or NATIONAL (several forces, one year)
    forces: tuple[str, ...]
    years: tuple[int, ...]
    total: float
    responded: int | None = None
    label: str = ""
    override: str = ""  # why the count of responding forces differs from the release's


def cumulative_constraints(claim_records: pd.DataFrame, series: str, forces: list[str]) -> list[TotalConstraint]:
    """Force-level `<series>_cumulative` records over a span of whole fiscal years."""
    rows = claim_records[(claim_records["measure"] == f"{series}_cumulative") & (claim_records["level"] == "force")]
    out = []
    for _, row in rows.iterrows():
        period = parse_period(row["fiscal_year"])
        if period.kind != "span" or row["force"] not in forces or pd.isna(row["value"]):
            continue
        out.append(TotalConstraint(row["record_id"], CUMULATIVE, (row["force"],), tuple(period.start_years),
                                   float(row["value"]), None, f"{row['force']} {row['fiscal_year']}"))
    return out


def national_constraints(claim_records: pd.DataFrame, entries: list[dict], geographies,
                         forces: list[str]) -> list[TotalConstraint]:
    """National or regional totals named in config ({record, forces_responded?, reason?}),
    with the forces of their geography."""
    by_id = claim_records.set_index("record_id")
    out = []
    for entry in entries:
        record_id = entry["record"]
        if record_id not in by_id.index:
            raise ValueError(f"models: national constraint {record_id} is not a claim record of the ledger")
        row = by_id.loc[record_id]
        geography = geographies.for_record(record_id, row["geography"])
        if geography is None:
            raise ValueError(f"models: national constraint {record_id}: geography {row['geography']!r} "
                             "is not mapped in geographies.yaml")
        outside = sorted(set(geography.forces) - set(forces))
        if outside:
            raise ValueError(f"models: national constraint {record_id} covers forces outside the modelled "
                             f"geography: {', '.join(outside)}")
        responded = pd.to_numeric(row["forces_responded"], errors="coerce")
        override = ""
        if "forces_responded" in entry:
            if not entry.get("reason"):
                raise ValueError(f"models: national constraint {record_id} overrides forces_responded without a reason")
            responded, override = entry["forces_responded"], entry["reason"]
        out.append(TotalConstraint(record_id, NATIONAL, tuple(geography.forces),
                                   (parse_fiscal_year(row["fiscal_year"]),), float(row["value"]),
                                   None if pd.isna(responded) else int(responded), geography.label, override))
    return out


def application_order(constraints: list[TotalConstraint]) -> list[TotalConstraint]:
    """Cumulative constraints first (a national one then treats the cells they fixed as fixed),
    each kind by record id."""
    return sorted(constraints, key=lambda constraint: (constraint.kind != CUMULATIVE, constraint.record_id))


def rescale_rows(block: np.ndarray, target) -> np.ndarray:
    """Rescale each row of `block` to sum to `target` (a number or one per row); equal shares if a row is all zero."""
    target = np.broadcast_to(np.asarray(target, dtype=float), (block.shape[0],))
    sums = block.sum(axis=1)
    equal = np.full(block.shape, 1.0 / block.shape[1])
    shares = np.where(sums[:, None] > 0, block / np.where(sums > 0, sums, 1.0)[:, None], equal)
    return shares * target[:, None]
