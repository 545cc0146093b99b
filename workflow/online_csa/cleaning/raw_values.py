"""What a raw ledger value means: a count, a gap with its reason, a suppressed small count, or
nothing usable.

Police forces answer FOI requests in many ways. The ledger keeps their words exactly; this
module reads them:

* ``168`` or ``1,234``            a count (a thousands separator is accepted and noted);
* empty                            a gap: the `qualifier` says why, or "not stated";
* ``*``                            a suppressed small count: an interval, by default 1 to 4
                                   (`cleaning.suppressed_range`), never a zero;
* ``<5`` (``< 10``, ...)           a suppressed count below the number: 0 to 4;
* "not held", "information not held"  a gap: the force holds no figure;
* a cost-limit refusal ("exceeds the cost limit", "s.12", "section 12")  a gap: the force
                                   refused under section 12 of the FOI Act;
* anything else (text, negative, fractional, not finite)  not usable, with the reason.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+$")
_BELOW = re.compile(r"^<\s*(\d+)$")
_NOT_HELD = re.compile(r"\bnot held\b", re.I)
_COST_LIMIT = re.compile(r"cost limit|\bs\.?\s*12\b|\bsection 12\b", re.I)

GAP_NOT_HELD = "not held: the force holds no figure"
GAP_COST_LIMIT = "cost-limit refusal: the force declined under section 12 of the FOI Act"


@dataclass(frozen=True)
class RawValue:
    value: float | None = None  # a count or other number
    lower: float | None = None  # a suppressed count lies in [lower, upper]
    upper: float | None = None
    gap_reason: str | None = None  # why there is no figure (value and bounds None)
    problem: str | None = None  # why the text is not usable
    note: str | None = None  # how the text was read, when it was not a plain number

    @property
    def is_censored(self) -> bool:
        return self.lower is not None


def interpret_value(text, suppressed_range: tuple[int, int] = (1, 4)) -> RawValue:
    """Read one raw value (see the module docstring). An empty value is a gap whose reason the
    caller takes from the row's qualifier."""
    if text is None or (isinstance(text, float) and math.isnan(text)) or str(text).strip() == "":
        return RawValue()
    raw = str(text).strip()
    if set(raw) == {"*"}:
        low, high = suppressed_range
        return RawValue(lower=float(low), upper=float(high), gap_reason="suppressed small count",
                        note=f"printed {raw!r}: a suppressed count between {low} and {high}")
    if match := _BELOW.match(raw):
        bound = int(match.group(1))
        if bound < 1:
            return RawValue(problem=f"value {raw!r} is below zero")
        return RawValue(lower=0.0, upper=float(bound - 1), gap_reason="suppressed small count",
                        note=f"printed {raw!r}: a suppressed count between 0 and {bound - 1}")
    if _NOT_HELD.search(raw):
        return RawValue(gap_reason=GAP_NOT_HELD, note=f"printed {raw!r}")
    if _COST_LIMIT.search(raw):
        return RawValue(gap_reason=GAP_COST_LIMIT, note=f"printed {raw!r}")
    note = None
    if _THOUSANDS.match(raw):
        note = f"printed {raw!r} with a thousands separator"
        raw = raw.replace(",", "")
    try:
        value = float(raw)
    except ValueError:
        return RawValue(problem=f"value {str(text).strip()!r} is not a number")
    if not math.isfinite(value):
        return RawValue(problem=f"value {raw!r} is not a finite number")
    return RawValue(value=value, note=note)
