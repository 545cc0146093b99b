"""The findings: one row per headline claim, built from tables the pipeline already wrote.

A headline claim is named in the configuration (`report.findings`) by its published wording and
the checks that test it: a claim_id of claims.csv, or the ledger record of a force-year figure in
the panel. Its row gathers the verdict, the number the data give, how often it holds among the
assumption draws (baseline, and the lowest and highest share across the scenarios) and its tipping
values in plain words. A claim no published figure can test says what data would test it.
"""
from __future__ import annotations

import math

import pandas as pd

from online_csa.common.formatting import format_number

FINDINGS_COLUMNS = [
    "claim", "records", "checked_as", "verdict", "data_value", "data_basis", "threshold_meaning",
    "share_holding_baseline", "share_holding_lowest", "share_holding_highest", "scenarios_with_share",
    "tipping_values", "would_test",
]

# A panel figure is the ledger's own record of a force-year: nothing is computed, so it is reported
# by its panel status (observed: every source agrees) rather than a verdict of the claims stage.
PANEL_VERDICT = "in the panel: {status}"
NOT_TESTABLE = "not_reproducible"

# Tipping values are read by the published arithmetic (ratio of the two published totals with the
# assumption applied), the simplest of the three methods chapter 5 reports, with the other
# assumptions at their central values.
TIPPING_METHOD = "arithmetic on published totals"
TIPPING_OTHERS_AT = "central"

ASSUMPTION_WORDS = {
    "flag_completeness_ratio_per_year": "the per-year ratio of flag completeness (earlier year over later)",
    "recording_compliance_ratio_per_year": "the per-year ratio of recording compliance (earlier year over later)",
    "reporting_rate_ratio_per_year": "the per-year ratio of the reporting rate (earlier year over later)",
    "nonresponse_multiplier": "the non-response multiplier",
    "s15a_flagged_share": "the share of s.15A offences carrying the online flag",
}


class FindingsError(ValueError):
    """A finding in the configuration that the tables cannot support."""


def _check_rows(check: str, claims: pd.DataFrame, panel: pd.DataFrame) -> dict:
    """One check: a claims.csv row by claim_id, else the panel row whose record_ids hold the record."""
    hit = claims[claims["claim_id"] == check]
    if len(hit):
        row = hit.iloc[0]
        value = row["reproduced_value"]
        return {"records": str(row["record_ids"]), "verdict": str(row["verdict"]),
                "data_value": None if pd.isna(value) else float(value), "data_basis": str(row["basis"])}
    ids = panel["record_ids"].fillna("").astype(str).str.split(";")
    hit = panel[ids.map(lambda records: check in records)]
    if len(hit):
        row = hit.iloc[0]
        value = row["value"]
        basis = (f"{row['force']} {row['fiscal_year']}, {row['series']}: the ledger's figure "
                 f"(panel status {row['status']})")
        return {"records": str(row["record_ids"]), "verdict": PANEL_VERDICT.format(status=row["status"]),
                "data_value": None if pd.isna(value) else float(value), "data_basis": basis}
    raise FindingsError(f"report.findings: check {check!r} is neither a claim_id of claims.csv nor a record id "
                        "of the panel")


def _joined(values: list[str], separator: str = "; ") -> str:
    unique = list(dict.fromkeys(v for v in values if v))
    return separator.join(unique)


def _joined_ids(values: list[str]) -> str:
    """Record ids as the tables write them: one ';'-separated list, each id once."""
    return _joined([i for v in values for i in v.split(";")], ";")


def _share_range(claim_support: pd.DataFrame, claim_id: str, threshold_meaning: str) -> dict:
    """Share of joint draws in which the claim holds: baseline, and lowest and highest across scenarios."""
    rows = claim_support[(claim_support["claim_id"] == claim_id)
                         & (claim_support["threshold_meaning"] == threshold_meaning)]
    if rows.empty:
        raise FindingsError(f"report.findings: no share of draws for {claim_id!r} at threshold "
                            f"{threshold_meaning!r} in scenario_claim_support.csv")
    shares = rows.dropna(subset=["share_holding_adjusted"])
    baseline = rows.loc[rows["scenario"] == "baseline", "share_holding_adjusted"]
    return {
        "share_holding_baseline": float(baseline.iloc[0]) if len(baseline) and pd.notna(baseline.iloc[0]) else None,
        "share_holding_lowest": float(shares["share_holding_adjusted"].min()) if len(shares) else None,
        "share_holding_highest": float(shares["share_holding_adjusted"].max()) if len(shares) else None,
        "scenarios_with_share": f"{len(shares)} of {len(rows)}",
    }


def holds_above(tipping_value: float, reference_value: float, holds_at_reference: bool) -> bool:
    """Whether the claim holds above its tipping value: it does if, at the reference value, the claim
    holds and the reference lies above the tipping value, or fails and lies below it."""
    return (reference_value > tipping_value) == bool(holds_at_reference)


def tipping_words(tipping_points: pd.DataFrame, claim_id: str, threshold_meaning: str) -> str:
    """The claim's tipping values (published arithmetic, others central) as sentences."""
    rows = tipping_points[(tipping_points["claim_id"] == claim_id)
                          & (tipping_points["threshold_meaning"] == threshold_meaning)
                          & (tipping_points["others_at"] == TIPPING_OTHERS_AT)
                          & tipping_points["method"].str.startswith(TIPPING_METHOD)
                          & tipping_points["tipping_value"].notna()]
    sentences = []
    for row in rows.itertuples(index=False):
        words = ASSUMPTION_WORDS.get(row.assumption, row.assumption)
        above = holds_above(row.tipping_value, row.reference_value, row.holds_at_reference)
        value, centre = format_number(row.tipping_value, 2), format_number(row.reference_value, 2)
        if row.holds_at_reference:
            sentences.append(f"fails if {words} is {'below' if above else 'above'} {value} (central {centre})")
        else:
            sentences.append(f"holds only if {words} is {'at least' if above else 'at most'} {value} "
                             f"(central {centre})")
    return "; ".join(sentences)


def findings_table(findings: list[dict], claims: pd.DataFrame, panel: pd.DataFrame,
                   claim_support: pd.DataFrame, tipping_points: pd.DataFrame) -> pd.DataFrame:
    """One row per headline claim of the configuration, in its order.

    findings: dicts with `claim` (the published wording), `checks` (claim_ids or panel record ids),
    optionally `trend_claim` and `threshold_meaning` (its row of the sensitivity stage) and
    `would_test` (what data would test a claim no published figure can).
    claim_support: scenario_claim_support.csv; tipping_points: the baseline's tipping_points.csv.
    """
    rows = []
    for number, finding in enumerate(findings, start=1):
        checks = [_check_rows(check, claims, panel) for check in finding["checks"]]
        verdicts = [c["verdict"] for c in checks]
        values = [c["data_value"] for c in checks]
        row = {
            "claim": finding["claim"],
            "records": _joined_ids([c["records"] for c in checks]),
            "checked_as": ";".join(finding["checks"]),
            "verdict": _joined(verdicts),
            "data_value": values[0] if len(values) == 1 else None,
            "data_basis": _joined([c["data_basis"] for c in checks]),
            "threshold_meaning": finding.get("threshold_meaning", ""),
            "share_holding_baseline": None, "share_holding_lowest": None, "share_holding_highest": None,
            "scenarios_with_share": "", "tipping_values": "",
            "would_test": finding.get("would_test", ""),
        }
        if finding.get("trend_claim"):
            row.update(_share_range(claim_support, finding["trend_claim"], finding["threshold_meaning"]))
            row["tipping_values"] = tipping_words(tipping_points, finding["trend_claim"],
                                                  finding["threshold_meaning"])
        if all(v == NOT_TESTABLE for v in verdicts) and not row["would_test"]:
            raise FindingsError(f"report.findings[{number - 1}] ({finding['claim']!r}): no published figure "
                                "tests it, so say what data would (would_test)")
        rows.append(row)
    return pd.DataFrame(rows, columns=FINDINGS_COLUMNS)


VERDICT_WORDS = {
    "reproduced": "reproduced", "consistent": "consistent with the data", "contradicted": "contradicted",
    NOT_TESTABLE: "not testable with published force data",
    PANEL_VERDICT.format(status="observed"): "a force's own figure, as the ledger records it",
}


def _share(x) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.0f}%"


def key_findings(findings: pd.DataFrame) -> list[str]:
    """Three to five sentences, every number taken from the findings table."""
    if findings.empty:
        return []
    counts = findings["verdict"].value_counts(sort=False).reindex(list(dict.fromkeys(findings["verdict"])))
    tested = findings[findings["verdict"] != NOT_TESTABLE]
    untested = findings[findings["verdict"] == NOT_TESTABLE]
    parts = ", ".join(f"{n} {VERDICT_WORDS.get(verdict, verdict)}" for verdict, n in counts.items())
    sentences = [f"Of the {len(findings)} headline claims checked: {parts}."]
    drawn = findings[findings["share_holding_baseline"].notna()]
    for row in drawn.itertuples(index=False):
        sentences.append(
            f"{row.claim} ({row.verdict.replace('_', ' ')} as published): once under-recording is allowed for, "
            f"it holds in {_share(row.share_holding_baseline)} of the assumption draws at baseline and in "
            f"{_share(row.share_holding_lowest)} to {_share(row.share_holding_highest)} across the scenarios.")
    if len(untested):
        sentences.append(f"{len(untested)} of the {len(findings)} claims cannot be reproduced from published figures; "
                         "their rows say what data would test them.")
    if len(tested) and len(sentences) < 5:
        contradicted = tested[tested["verdict"].str.contains("contradicted")]
        if len(contradicted):
            quoted = "; ".join(f"“{claim}”" for claim in contradicted["claim"])
            sentences.append(f"Contradicted by the data: {quoted}.")
    return sentences[:5]
