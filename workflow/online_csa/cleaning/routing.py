"""Send every ledger row to exactly one place: the panel, the claims, or rejected.

* a count of a configured series, for one whole fiscal year, for a known force, inside
  the panel's years -> a panel candidate (duplicates and vintages are resolved later);
* a derived figure (percent change, cumulative total, share, age, bound ...) or a count
  over a span, a part-year or a range of months -> a claim to check;
* every national/regional headline figure -> a claim;
* anything else -> rejected, with a reason code and the field at fault.
"""
from __future__ import annotations

import pandas as pd

from online_csa.common import contracts
from online_csa.common.fiscal_years import parse_period
from online_csa.common.forces import ForceRegister
from online_csa.raw_data.ledger import count_problem
from online_csa.common.measures import classify_measure
from online_csa.cleaning.panel import release_key
from online_csa.cleaning.raw_values import interpret_value

REJECTION_REASONS = {
    "unknown_force": "force name matches no row of police_forces.csv",
    "invalid_value": "value cannot be a count of offences",
    "invalid_fiscal_year": "fiscal_year label is malformed",
    "future_year": "a count for a fiscal year that had not ended when the source printed it",
    "before_panel_start": "a count for a year before the panel's first year",
    "before_series_start": "a count for a year before the offence existed (the series' first_fiscal_year)",
    "measure_out_of_scope": "a count of a measure that is not one of the configured series",
    "excluded_by_correction": "excluded by a reviewed entry in config/corrections.csv",
    "implausible_value": "a count no force could have recorded (cleaning/plausibility.py names the rule)",
}
CORRECTION_ACTIONS = {
    "exclude": "the record is quarantined as excluded_by_correction",
    "accept": "a value the plausibility screen would quarantine was reviewed and is kept",
}

CANDIDATE_COLUMNS = ["record_id", "series", "force", "fiscal_year", "start_year", "value", "lower", "upper",
                     "gap_reason", "value_note", "source_date", "qualifier", "source_url"]


def _reject(record_id, source_file, field, reason, detail):
    return {"record_id": record_id, "source_file": source_file, "field": field, "reason": reason, "detail": detail}


def read_corrections(path) -> pd.DataFrame:
    """config/corrections.csv: record_id, action (CORRECTION_ACTIONS), reason; one entry per record."""
    corrections = pd.read_csv(path, dtype=str, keep_default_na=False)
    expected = ["record_id", "action", "reason"]
    if list(corrections.columns[:3]) != expected:
        raise ValueError(f"{path}: columns must start with {expected}")
    bad = corrections.loc[~corrections["action"].isin(list(CORRECTION_ACTIONS))]
    if len(bad):
        first = bad.index[0]
        raise ValueError(f"{path}: line {first + 2}, field 'action': {bad.at[first, 'action']!r} is not a known "
                         f"action ({', '.join(CORRECTION_ACTIONS)})")
    if corrections["reason"].str.strip().eq("").any():
        raise ValueError(f"{path}: every correction needs a reason")
    twice = corrections["record_id"].duplicated(keep="first")
    if twice.any():
        first = corrections.index[twice][0]
        raise ValueError(f"{path}: line {first + 2}: record {corrections.at[first, 'record_id']} has a second entry")
    return corrections


def corrections_by_action(corrections: pd.DataFrame | None, action: str) -> dict[str, str]:
    """{record_id: reason} of the corrections with this action."""
    if corrections is None:
        return {}
    chosen = corrections[corrections["action"] == action]
    return dict(zip(chosen["record_id"], chosen["reason"]))


def _printed_before_year_end(start_year: int, source_date) -> bool:
    """True when a source dated `source_date` printed a count for a fiscal year (April to March)
    that had not yet ended. An undated source, or a year-only date in the year the fiscal year
    ends, cannot be judged and passes."""
    year, month, _ = release_key(source_date)
    if year == 0:
        return False
    if month == 0:
        return year <= start_year
    return (year, month) < (start_year + 1, 4)


def route_force_figures(figures: pd.DataFrame, register: ForceRegister, series: list[str], first_year: int,
                        corrections: pd.DataFrame | None = None, source_file: str = "force_figures.csv",
                        suppressed_range: tuple[int, int] = (1, 4), series_start: dict[str, int] | None = None):
    """Route force-level ledger rows. Returns (panel_candidates, claim_records, rejected).
    `series_start` gives the first fiscal year (start year) of series that began later."""
    series_start = series_start or {}
    excluded = corrections_by_action(corrections, "exclude")
    candidates, claims, rejected = [], [], []
    for row in figures.itertuples(index=False):
        if row.record_id in excluded:
            rejected.append(_reject(row.record_id, source_file, "record_id", "excluded_by_correction", excluded[row.record_id]))
            continue
        force = register.canonical(row.force)
        if force is None:
            rejected.append(_reject(row.record_id, source_file, "force", "unknown_force",
                                    f"{row.force!r} ({row.nation}) is not in police_forces.csv"))
            continue
        try:
            period = parse_period(row.fiscal_year)
        except ValueError as error:
            rejected.append(_reject(row.record_id, source_file, "fiscal_year", "invalid_fiscal_year", str(error)))
            continue
        if period.kind == "other":
            rejected.append(_reject(row.record_id, source_file, "fiscal_year", "invalid_fiscal_year",
                                    f"{row.fiscal_year!r} is not a fiscal year (2016/17), a span, a window or a "
                                    "range of months"))
            continue
        measure = classify_measure(row.measure, series)
        raw = interpret_value(row.value, suppressed_range)
        value, problem = raw.value, raw.problem
        if problem is None and measure.is_count:
            problem = count_problem(value)
        if problem:
            rejected.append(_reject(row.record_id, source_file, "value", "invalid_value", problem))
            continue
        if measure.is_count and period.kind == "year":
            if period.first < first_year:
                rejected.append(_reject(row.record_id, source_file, "fiscal_year", "before_panel_start",
                                        f"{row.fiscal_year} is before the panel's first year"))
                continue
            if period.first < series_start.get(row.measure, period.first):
                rejected.append(_reject(row.record_id, source_file, "fiscal_year", "before_series_start",
                                        f"{row.fiscal_year} is before {row.measure} began"))
                continue
            if _printed_before_year_end(period.first, row.source_date):
                rejected.append(_reject(row.record_id, source_file, "fiscal_year", "future_year",
                                        f"{row.fiscal_year} had not ended on the source date {row.source_date}"))
                continue
            gap_reason = raw.gap_reason
            if value is None and gap_reason is None:
                gap_reason = row.qualifier if isinstance(row.qualifier, str) else "not stated"
            candidates.append({
                "record_id": row.record_id, "series": row.measure, "force": force, "fiscal_year": row.fiscal_year,
                "start_year": period.first, "value": value, "lower": raw.lower, "upper": raw.upper,
                "gap_reason": gap_reason, "value_note": raw.note,
                "source_date": row.source_date, "qualifier": row.qualifier, "source_url": row.source_url,
            })
        elif measure.kind == "other":
            rejected.append(_reject(row.record_id, source_file, "measure", "measure_out_of_scope",
                                    f"{row.measure} is not a configured series or a claim about one"))
        else:
            claims.append({
                "record_id": row.record_id, "level": "force", "force": force, "geography": force,
                "fiscal_year": row.fiscal_year, "measure": row.measure, "value": value, "value_text": row.value,
                "release_date": row.source_date, "forces_responded": None, "forces_asked": None,
                "qualifier": row.qualifier, "source_url": row.source_url,
            })
    return (pd.DataFrame(candidates, columns=CANDIDATE_COLUMNS),
            pd.DataFrame(claims, columns=contracts.CLAIM_RECORDS.column_names),
            pd.DataFrame(rejected, columns=contracts.REJECTED.column_names))


def route_national_figures(figures: pd.DataFrame, corrections: pd.DataFrame | None = None,
                           source_file: str = "national_figures.csv"):
    """Every national or regional headline figure is a claim. Returns (claim_records, rejected)."""
    excluded = corrections_by_action(corrections, "exclude")
    claims, rejected = [], []
    for row in figures.itertuples(index=False):
        if row.record_id in excluded:
            rejected.append(_reject(row.record_id, source_file, "record_id", "excluded_by_correction", excluded[row.record_id]))
            continue
        raw = interpret_value(row.value)
        value, problem = raw.value, raw.problem
        if problem:
            rejected.append(_reject(row.record_id, source_file, "value", "invalid_value", problem))
            continue
        claims.append({
            "record_id": row.record_id, "level": "national", "force": None, "geography": row.geography,
            "fiscal_year": row.fiscal_year, "measure": row.measure, "value": value, "value_text": row.value,
            "release_date": row.release_date, "forces_responded": row.forces_responded,
            "forces_asked": row.forces_asked, "qualifier": None, "source_url": row.source_url,
        })
    return pd.DataFrame(claims, columns=contracts.CLAIM_RECORDS.column_names), pd.DataFrame(rejected, columns=contracts.REJECTED.column_names)
