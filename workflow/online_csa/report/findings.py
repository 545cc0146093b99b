"""The findings: one row per headline claim, built from tables the pipeline already wrote.

A headline claim is named in the configuration (`report.findings`) by its published wording and
the checks that test it: a claim_id of claims.csv, or the ledger record of a force-year figure in
the panel. Its row gathers the verdict (and the verdict under the other vintage rule), the number
the data give and what that number is, the modelled total where the data are incomplete, how often
the claim holds among the joint assumption draws (baseline with its word, and the lowest and highest
share across the scenarios, each named) and its tipping values in plain words, each with the values
the other assumptions are held at. A claim no published figure can test says what data would test it.
"""
from __future__ import annotations

import math

import pandas as pd

from online_csa.common.formatting import format_number
from online_csa.sensitivity.support_words import UNCERTAIN, SupportWords

FINDINGS_COLUMNS = [
    "claim", "records", "checked_as", "verdict", "verdict_other_vintage_rule", "data_value", "data_value_means",
    "data_basis", "estimate", "estimate_lower_90", "estimate_upper_90", "estimate_means", "threshold_meaning",
    "share_holding_baseline", "share_word_baseline", "share_holding_lowest", "scenario_lowest",
    "share_holding_highest", "scenario_highest", "scenarios_with_share", "tipping_values", "tipping_values_short",
    "would_test",
]

# A panel figure is the ledger's own record of a force-year: nothing is computed, so it is reported
# by its panel status (observed: every source agrees) rather than a verdict of the claims stage.
PANEL_VERDICT = "in the panel: {status}"
NOT_TESTABLE = "not_reproducible"

# Tipping values are read by the published arithmetic (ratio of the two published totals with the
# assumption applied), the simplest of the three methods chapter 5 reports; where the two totals
# cover different areas the arithmetic gives none, and the model's median of the imputed totals is
# used instead. Each is given twice: with the other assumptions neutral (no change in any rate, the
# published figures alone) and at their central values, since the two can fall on either side of 1.
TIPPING_METHOD = "arithmetic on published totals"
TIPPING_FALLBACK = "model: median of imputed totals"
TIPPING_METHOD_WORDS = {TIPPING_METHOD: "by the published totals", TIPPING_FALLBACK: "by the model's median total"}
TIPPING_OTHERS_AT = ("neutral", "central")
OTHERS_AT_WORDS = {"neutral": "the other assumptions neutral (no change in any rate between the years)",
                   "central": "the other assumptions at their central values"}

ASSUMPTION_WORDS = {
    "flag_completeness_ratio_per_year": "the per-year ratio of flag completeness (earlier year over later)",
    "recording_compliance_ratio_per_year": "the per-year ratio of recording compliance (earlier year over later)",
    "reporting_rate_ratio_per_year": "the per-year ratio of the reporting rate (earlier year over later)",
    "nonresponse_multiplier": "the non-response multiplier",
    "s15a_flagged_share": "the share of s.15A offences carrying the online flag",
}


# The same, compact, for the findings table's cell (the full sentences are in tipping_values): each
# rate is named by what it measures; the table's header says they are per-year ratios, earlier year
# over later.
ASSUMPTION_SHORT = {
    "flag_completeness_ratio_per_year": "flag completeness",
    "recording_compliance_ratio_per_year": "recording compliance",
    "reporting_rate_ratio_per_year": "reporting rate",
    "nonresponse_multiplier": "non-response multiplier",
    "s15a_flagged_share": "s.15A flagged share",
}
OTHERS_AT_SHORT = {"neutral": "Others neutral", "central": "Others central"}
TIPPING_METHOD_SHORT = {TIPPING_METHOD: "published totals", TIPPING_FALLBACK: "model's median"}


class FindingsError(ValueError):
    """A finding in the configuration that the tables cannot support."""


def _check_rows(check: str, claims: pd.DataFrame, panel: pd.DataFrame) -> dict:
    """One check: a claims.csv row by claim_id, else the panel row whose record_ids hold the record."""
    hit = claims[claims["claim_id"] == check]
    if len(hit):
        row = hit.iloc[0]
        value = row["reproduced_value"]
        other = row.get("verdict_other_vintage_rule")
        return {"records": str(row["record_ids"]), "verdict": str(row["verdict"]),
                "verdict_other_vintage_rule": "" if pd.isna(other) else str(other),
                "data_value": None if pd.isna(value) else float(value), "data_basis": str(row["basis"])}
    ids = panel["record_ids"].fillna("").astype(str).str.split(";")
    hit = panel[ids.map(lambda records: check in records)]
    if len(hit):
        row = hit.iloc[0]
        value = row["value"]
        basis = (f"{row['force']} {row['fiscal_year']}, {row['series']}: the ledger's figure "
                 f"(panel status {row['status']})")
        return {"records": str(row["record_ids"]), "verdict": PANEL_VERDICT.format(status=row["status"]),
                "verdict_other_vintage_rule": "",
                "data_value": None if pd.isna(value) else float(value), "data_basis": basis}
    raise FindingsError(f"report.findings: check {check!r} is neither a claim_id of claims.csv nor a record id "
                        "of the panel")


def _joined(values: list[str], separator: str = "; ") -> str:
    unique = list(dict.fromkeys(v for v in values if v))
    return separator.join(unique)


def _joined_ids(values: list[str]) -> str:
    """Record ids as the tables write them: one ';'-separated list, each id once."""
    return _joined([i for v in values for i in v.split(";")], ";")


def _share_range(claim_support: pd.DataFrame, claim_id: str, threshold_meaning: str, words: SupportWords) -> dict:
    """Share of joint draws in which the claim holds: baseline (and its word), and the lowest and
    highest across scenarios, each with the scenario that gives it."""
    rows = claim_support[(claim_support["claim_id"] == claim_id)
                         & (claim_support["threshold_meaning"] == threshold_meaning)]
    if rows.empty:
        raise FindingsError(f"report.findings: no share of draws for {claim_id!r} at threshold "
                            f"{threshold_meaning!r} in scenario_claim_support.csv")
    shares = rows.dropna(subset=["share_holding_adjusted"])
    baseline = rows.loc[rows["scenario"] == "baseline", "share_holding_adjusted"]
    base = float(baseline.iloc[0]) if len(baseline) and pd.notna(baseline.iloc[0]) else None
    out = {"share_holding_baseline": base, "share_word_baseline": words.word(base),
           "share_holding_lowest": None, "scenario_lowest": "", "share_holding_highest": None,
           "scenario_highest": "", "scenarios_with_share": f"{len(shares)} of {len(rows)}"}
    if len(shares):
        # the first scenario in the table's order at the extreme, so ties are named reproducibly
        low = shares.loc[shares["share_holding_adjusted"].idxmin()]
        high = shares.loc[shares["share_holding_adjusted"].idxmax()]
        out.update(share_holding_lowest=float(low["share_holding_adjusted"]), scenario_lowest=str(low["scenario"]),
                   share_holding_highest=float(high["share_holding_adjusted"]), scenario_highest=str(high["scenario"]))
    return out


def holds_above(tipping_value: float, reference_value: float, holds_at_reference: bool) -> bool:
    """Whether the claim holds above its tipping value: it does if, at the reference value, the claim
    holds and the reference lies above the tipping value, or fails and lies below it."""
    return (reference_value > tipping_value) == bool(holds_at_reference)


def _tipping_rows(tipping_points: pd.DataFrame, claim_id: str, threshold_meaning: str, others_at: str):
    """The tipping rows of one claim, threshold and setting of the others, by the published
    arithmetic, else by the model's median; and the method used."""
    rows = tipping_points[(tipping_points["claim_id"] == claim_id)
                          & (tipping_points["threshold_meaning"] == threshold_meaning)
                          & (tipping_points["others_at"] == others_at)
                          & tipping_points["tipping_value"].notna()]
    for method in (TIPPING_METHOD, TIPPING_FALLBACK):
        # the method names the records it used ("... (N0038, N0050)"); s.15A-out rows are other analyses
        chosen = rows[rows["method"].str.startswith(method) & ~rows["method"].str.contains("s.15A out")]
        if len(chosen):
            return chosen, method
    return rows.iloc[0:0], ""


def _value_words(row, short: bool = False) -> str:
    """'0.994 a year, 0.983 over 3 years' for a per-year ratio ('0.994/yr, 0.983 over 3 yrs' if
    `short`); the value alone otherwise."""
    value = format_number(row.tipping_value, 3)
    span = getattr(row, "tipping_ratio_over_span", None)
    years = getattr(row, "span_years", None)
    if span is None or pd.isna(span) or years is None or pd.isna(years) or int(years) == 1:
        return value
    if short:
        return f"{value}/yr, {format_number(span, 3)} over {int(years)} yrs"
    return f"{value} a year, {format_number(span, 3)} over {int(years)} years"


def _clauses(rows: pd.DataFrame, short: bool) -> dict[tuple, list[str]]:
    """(holds at the reference, comparison, value, reference) -> the assumptions tipping there;
    assumptions that tip at the same value on the same side share one clause."""
    clauses: dict[tuple, list[str]] = {}
    for row in rows.itertuples(index=False):
        above = holds_above(row.tipping_value, row.reference_value, row.holds_at_reference)
        if row.holds_at_reference:
            comparison = ("<" if above else ">") if short else ("below" if above else "above")
        else:
            comparison = ("≥" if above else "≤") if short else ("at least" if above else "at most")
        value = _value_words(row, short)
        key = (bool(row.holds_at_reference), comparison, value, format_number(row.reference_value, 2))
        names = ASSUMPTION_SHORT if short else ASSUMPTION_WORDS
        clauses.setdefault(key, []).append(names.get(row.assumption, row.assumption))
    return clauses


def tipping_words(tipping_points: pd.DataFrame, claim_id: str, threshold_meaning: str, short: bool = False) -> str:
    """The claim's tipping values as sentences: with the other assumptions neutral, then at their
    central values, each saying which it is and by which method.

    `short`: the same values in the fewest words, for the findings table's cell: assumptions by short
    name, '<' and '≥' for the side, '/yr' for a year, each verb and 'central' said once per setting."""
    parts = []
    for others_at in TIPPING_OTHERS_AT:
        rows, method = _tipping_rows(tipping_points, claim_id, threshold_meaning, others_at)
        clauses = _clauses(rows, short)
        if not clauses:
            continue
        said, last_verb = [], None
        for (holds, comparison, value, centre), names in clauses.items():
            verb = "fails if" if holds else "holds only if"
            if not short:
                said.append(f"{verb} {' or '.join(names)} is {comparison} {value} (central {centre})")
                continue
            joined = " or ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " or " + names[-1]
            said.append(("" if verb == last_verb else verb + " ") + f"{joined} {comparison} {value} "
                        + (f"(central {centre})" if not said else f"({centre})"))
            last_verb = verb
        if short:
            parts.append(f"{OTHERS_AT_SHORT[others_at]} ({TIPPING_METHOD_SHORT[method]}): " + "; ".join(said))
        else:
            parts.append(f"With {OTHERS_AT_WORDS[others_at]}, {TIPPING_METHOD_WORDS[method]}: " + "; ".join(said))
    return ". ".join(parts)


def _estimate(national: pd.DataFrame | None, spec: dict | None) -> dict:
    """The modelled total of a year and area (national_estimates.csv) and what it covers."""
    empty = {"estimate": None, "estimate_lower_90": None, "estimate_upper_90": None, "estimate_means": ""}
    if not spec:
        return empty
    hit = national[(national["series"] == spec["series"]) & (national["geography"] == spec["geography"])
                   & (national["fiscal_year"] == spec["fiscal_year"])] if national is not None else []
    if len(hit) == 0 or pd.isna(hit.iloc[0]["estimate"]):
        raise FindingsError(f"report.findings: no estimate of {spec['series']} {spec['fiscal_year']} "
                            f"({spec['geography']}) in national_estimates.csv")
    row = hit.iloc[0]
    return {"estimate": float(row["estimate"]), "estimate_lower_90": float(row["lower_90"]),
            "estimate_upper_90": float(row["upper_90"]),
            "observed_forces": int(row["observed_forces"]), "forces": int(row["forces"]),
            "estimate_means": (f"for all {int(row['forces'])} forces, the "
                               f"{int(row['forces']) - int(row['observed_forces'])} without a printed figure "
                               "imputed (median and 90% interval of the draws)")}


def drawn_ratio_labels(trend_claims: list[dict], national: pd.DataFrame, series: str, geography: str) -> dict:
    """What the share of draws of each trend claim is a share of, in words for the figure's labels: the
    adjusted ratio of the modelled totals (the medians of national_estimates.csv for the sensitivity
    stage's series and area), not the published totals the claim's description names."""
    def total(year: str) -> str:
        hit = national[(national["series"] == series) & (national["geography"] == geography)
                       & (national["fiscal_year"] == year)]
        if len(hit) == 0 or pd.isna(hit.iloc[0]["estimate"]):
            raise FindingsError(f"no modelled total of {series} {year} ({geography}) in national_estimates.csv")
        return format_number(hit.iloc[0]["estimate"], 0)

    # no-break spaces keep "8,844 / 4,271" on one line of a wrapped label
    return {c["claim_id"]: f"drawn: adjusted ratio of modelled totals {total(c['to_year'])}\u00a0/\u00a0"
                           f"{total(c['from_year'])}" for c in trend_claims}


def findings_table(findings: list[dict], claims: pd.DataFrame, panel: pd.DataFrame,
                   claim_support: pd.DataFrame, tipping_points: pd.DataFrame, words: SupportWords,
                   national: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per headline claim of the configuration, in its order.

    findings: dicts with `claim` (the published wording), `checks` (claim_ids or panel record ids),
    optionally `trend_claim` and `threshold_meaning` (its row of the sensitivity stage), `would_test`
    (what data would test a claim no published figure can), `data_value_means` (what the number the
    data give is, in words) and `estimate` (series, geography, fiscal_year of national_estimates.csv:
    the modelled total beside a sum over incomplete data).
    claim_support: scenario_claim_support.csv; tipping_points: the baseline's tipping_points.csv;
    words: the rule that turns a share of draws into a word.
    """
    rows = []
    for number, finding in enumerate(findings, start=1):
        checks = [_check_rows(check, claims, panel) for check in finding["checks"]]
        verdicts = [c["verdict"] for c in checks]
        values = [c["data_value"] for c in checks]
        estimate = _estimate(national, finding.get("estimate"))
        means = finding.get("data_value_means", "")
        if "forces" in estimate and not means:
            means = (f"the sum of the printed figures of {estimate['observed_forces']} of the {estimate['forces']} "
                     "forces, not an estimate of the total")
        others = [c["verdict_other_vintage_rule"] for c in checks]
        row = {
            "claim": finding["claim"],
            "records": _joined_ids([c["records"] for c in checks]),
            "checked_as": ";".join(finding["checks"]),
            "verdict": _joined(verdicts),
            "verdict_other_vintage_rule": _joined(others) if others != verdicts else "",
            "data_value": values[0] if len(values) == 1 else None,
            "data_value_means": means,
            "data_basis": _joined([c["data_basis"] for c in checks]),
            **{k: estimate[k] for k in ("estimate", "estimate_lower_90", "estimate_upper_90", "estimate_means")},
            "threshold_meaning": finding.get("threshold_meaning", ""),
            "share_holding_baseline": None, "share_word_baseline": "", "share_holding_lowest": None,
            "scenario_lowest": "", "share_holding_highest": None, "scenario_highest": "",
            "scenarios_with_share": "", "tipping_values": "", "tipping_values_short": "",
            "would_test": finding.get("would_test", ""),
        }
        if finding.get("trend_claim"):
            row.update(_share_range(claim_support, finding["trend_claim"], finding["threshold_meaning"], words))
            row["tipping_values"] = tipping_words(tipping_points, finding["trend_claim"],
                                                  finding["threshold_meaning"])
            row["tipping_values_short"] = tipping_words(tipping_points, finding["trend_claim"],
                                                        finding["threshold_meaning"], short=True)
        if all(v == NOT_TESTABLE for v in verdicts) and not row["would_test"]:
            raise FindingsError(f"report.findings[{number - 1}] ({finding['claim']!r}): no published figure "
                                "tests it, so say what data would (would_test)")
        rows.append(row)
    return pd.DataFrame(rows, columns=FINDINGS_COLUMNS)


VERDICT_WORDS = {
    "reproduced": "reproduced", "consistent": "consistent with the data", "contradicted": "contradicted",
    NOT_TESTABLE: "not testable with published force data",
    PANEL_VERDICT.format(status="observed"): "a force's own figure in the ledger",
}


def _text(x) -> str:
    """A text cell, empty when the table read it back as missing."""
    return x if isinstance(x, str) else ""


def _share(x) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.0f}%"


def key_findings(findings: pd.DataFrame) -> list[str]:
    """Three to five sentences, every number taken from the findings table."""
    if findings.empty:
        return []
    counts = findings["verdict"].value_counts(sort=False).reindex(list(dict.fromkeys(findings["verdict"])))
    tested = findings[findings["verdict"] != NOT_TESTABLE]
    untested = findings[findings["verdict"] == NOT_TESTABLE]
    # semicolons: a verdict's words may hold a comma
    parts = "; ".join(f"{n} {VERDICT_WORDS.get(verdict, verdict)}" for verdict, n in counts.items())
    sentences = [f"Of the {len(findings)} headline claims checked: {parts}."]
    drawn = findings[findings["share_holding_baseline"].notna()]
    for row in drawn.itertuples(index=False):
        said = _text(row.share_word_baseline)
        word = f", so it {'is ' if said == UNCERTAIN else ''}{said}" if said else ""
        sentences.append(
            f"{row.claim} ({row.verdict.replace('_', ' ')} as published): with the under-recording assumptions "
            f"drawn, it holds in {_share(row.share_holding_baseline)} of the draws at baseline{word}; across the "
            f"scenarios, from {_share(row.share_holding_lowest)} ({row.scenario_lowest}) to "
            f"{_share(row.share_holding_highest)} ({row.scenario_highest}).")
    if len(untested):
        sentences.append(f"{len(untested)} of the {len(findings)} claims cannot be reproduced from published figures; "
                         "their rows say what data would test them.")
    if len(tested) and len(sentences) < 5:
        contradicted = tested[tested["verdict"].str.contains("contradicted")]
        if len(contradicted):
            quoted = "; ".join(
                f"“{r.claim}”" + (f" ({_text(r.verdict_other_vintage_rule).replace('_', ' ')} under the other "
                                  "vintage rule)" if _text(r.verdict_other_vintage_rule) else "")
                for r in contradicted.itertuples(index=False))
            sentences.append(f"Contradicted by the data: {quoted}.")
    return sentences[:5]
