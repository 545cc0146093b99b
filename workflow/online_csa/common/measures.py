"""What a ledger ``measure`` name means.

Counts of a configured series (``online_child_sexual_offences`` ...) go to the panel.
Everything derived from a count (percent changes, cumulative totals, per-day rates,
shares, age breakdowns, bounds) is a *claim* to check, never a value to sum. The
name alone decides which: ``online_child_sexual_offences_pct_change_lower_bound`` is a
lower bound on the percent change of the ``online_child_sexual_offences`` series.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# modifiers that qualify how a figure was printed
_BOUND_SUFFIXES = {"_lower_bound": "lower", "_upper_bound": "upper", "_approx": "approx", "_claim": "claim"}

# derived-measure suffixes, most specific first
_DERIVED = [
    (re.compile(r"^(?P<base>.+)_pct_change$"), "pct_change"),
    (re.compile(r"^(?P<base>.+)_fold_change$"), "fold_change"),
    (re.compile(r"^(?P<base>.+)_cumulative$"), "cumulative"),
    (re.compile(r"^(?P<base>.+)_per_day$"), "per_day"),
    (re.compile(r"^(?P<base>.+)_increase_abs$"), "increase_abs"),
    (re.compile(r"^(?P<base>.+)_under_(?P<age>\d+)$"), "age_count"),
    (re.compile(r"^(?P<base>.+)_victim_aged_(?P<age>\d+)$"), "age_count"),
    (re.compile(r"^(?P<base>.+)_aged_(?P<age>\d+)_and_under$"), "age_count"),
]
_SHARE = re.compile(r"^online_share_of_(?P<denominator>.+)_(?P<form>pct|one_in)$")
_AGE_STATISTICS = {"modal_victim_age", "youngest_victim_age"}
_RESPONSE = {"forces_asked", "forces_responded"}

KINDS = ("count", "pct_change", "fold_change", "cumulative", "per_day", "increase_abs", "age_count",
         "share_pct", "share_one_in", "age_statistic", "response", "other")


@dataclass(frozen=True)
class Measure:
    name: str
    kind: str
    series: str | None = None  # the count series it derives from, if any
    bound: str | None = None  # lower / upper / approx / claim, as printed
    denominator: str | None = None  # for shares

    @property
    def is_count(self) -> bool:
        return self.kind == "count"


_QUALIFIER_BOUND = re.compile(r"^\s*(lower|upper) bound\b", re.I)


def bound_from_qualifier(qualifier) -> str | None:
    """'lower' or 'upper' when the ledger's qualifier opens with "lower bound:" or "upper bound:",
    the ledger's way of saying that a figure printed as "more than 50%" or "over 90%" is a bound
    although its measure name has no _lower_bound suffix."""
    match = _QUALIFIER_BOUND.match(qualifier) if isinstance(qualifier, str) else None
    return match.group(1).lower() if match else None


def classify_measure(name: str, series: list[str], flagged_series: str = "online_child_sexual_offences") -> Measure:
    """Classify a measure name against the configured count series."""
    stem, bound = name, None
    for suffix, label in _BOUND_SUFFIXES.items():
        if stem.endswith(suffix):
            stem, bound = stem[: -len(suffix)], label
            break
    if stem in series:
        return Measure(name, "count", stem, bound)
    for pattern, kind in _DERIVED:
        match = pattern.match(stem)
        if match and match.group("base") in series:
            return Measure(name, kind, match.group("base"), bound)
    match = _SHARE.match(stem)
    if match:
        kind = "share_pct" if match.group("form") == "pct" else "share_one_in"
        return Measure(name, kind, flagged_series, bound, denominator=match.group("denominator") + "_all")
    if stem in _AGE_STATISTICS:
        return Measure(name, "age_statistic", flagged_series, bound)
    if stem in _RESPONSE:
        return Measure(name, "response", flagged_series, bound)
    return Measure(name, "other", None, bound)
