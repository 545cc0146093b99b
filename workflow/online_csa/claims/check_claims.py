"""Check each published figure against force-level data and give it a verdict.

Each row says how (``method``), from what (``basis``, ``input_record_ids``) and how much of
the geography's child population the force data cover (``coverage_share``); the verdicts are
described in claims/verdicts.py, the check for each kind of measure is in claims/checks.py.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from online_csa.claims.checks import check_for_kind
from online_csa.claims.claim_context import ClaimContext
from online_csa.claims.claim_records import claim_geography, collapse_claim_records
from online_csa.common import contracts
from online_csa.common.fiscal_years import parse_period
from online_csa.common.geographies import GeographyMap
from online_csa.common.measures import bound_from_qualifier, classify_measure


def check_claim(context: ClaimContext, claim: pd.Series) -> dict:
    """The verdict columns of one claim; a figure that cannot be tested at all (no force-level
    counterpart, no number, no known geography, no fiscal period) is not_reproducible, saying why."""
    measure = classify_measure(claim["measure"], context.series)
    qualifier_bound = bound_from_qualifier(claim.get("qualifier"))
    if measure.bound is None and qualifier_bound:
        measure = replace(measure, bound=qualifier_bound)
    geography = claim_geography(claim, context.geographies)
    result = {"kind": measure.kind, "method": "", "reproduced_value": np.nan, "coverage_share": np.nan,
              "input_record_ids": "", "basis": "", "verdict": "not_reproducible", "note": ""}
    if measure.kind == "other":
        result["basis"] = "the ledger has no force-level counterpart of this measure"
        return result
    if pd.isna(claim["published_value"]):
        printed = claim["value_text"] if isinstance(claim["value_text"], str) and claim["value_text"] else "nothing"
        result["basis"] = f"the source printed {printed!r}, not a number: there is no figure to check"
        return result
    if geography is None:
        result["basis"] = f"geography label {claim['geography']!r} is not defined in config/geographies.yaml"
        return result
    try:
        period = parse_period(claim["fiscal_year"])
    except ValueError as error:
        result["basis"] = f"period {claim['fiscal_year']!r} is malformed: {error}"
        return result
    if period.kind == "months":
        if period.as_fiscal_years() is None:
            result["basis"] = f"covers {period.months_covered()}, not whole fiscal years"
            return result
        period = period.as_fiscal_years()
    if period.kind == "other" or not period.start_years:
        result["basis"] = f"period {claim['fiscal_year']!r} is not a fiscal year or span of fiscal years"
        return result
    result.update(check_for_kind(measure.kind)(context, claim, measure, period, geography))
    if qualifier_bound and measure.bound == qualifier_bound:
        result["note"] = "; ".join(filter(None, [f"a {qualifier_bound} bound, as the ledger's qualifier says "
                                                 f"({claim['qualifier']!r})", result.get("note", "")]))
    return result


def check_claims(claim_records: pd.DataFrame, panel: pd.DataFrame, geographies: GeographyMap, series: list[str],
                 min_coverage_share: float, other_vintage_panel: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row of claims.csv (the claims contract's columns) per published figure of the ledger's claim records.
    With `other_vintage_panel` (the panel built with the other vintage rule), each claim is checked
    against it too, and `verdict_other_vintage_rule` says what that gives."""
    claims = collapse_claim_records(claim_records, geographies)
    context = ClaimContext.from_claims(claims, panel, geographies, series, min_coverage_share)
    other = None if other_vintage_panel is None else ClaimContext.from_claims(
        claims, other_vintage_panel, geographies, series, min_coverage_share)
    results = []
    for _, claim in claims.iterrows():
        outcome = check_claim(context, claim)
        if claim.get("conflicts"):
            outcome["note"] = "; ".join(filter(None, [outcome.get("note", ""), claim["conflicts"]]))
        if other is not None:
            outcome["verdict_other_vintage_rule"] = check_claim(other, claim)["verdict"]
        geography = claim_geography(claim, geographies)
        results.append({**claim.to_dict(), **outcome,
                        "geography": claim["geography"] if geography is None or claim["level"] == "force"
                        else f"{claim['geography']} [{geography.id}]"})
    frame = pd.DataFrame(results)
    return frame.reindex(columns=contracts.CLAIMS.column_names)
