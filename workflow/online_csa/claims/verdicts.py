"""The verdicts a published figure can get, and the rules that give them.

* ``reproduced``       recomputed from complete data and equal to the published figure
                       (to the precision it was printed: a printed 22 matches 22.53, since
                       releases both round and truncate);
* ``consistent``       the data are incomplete, and the published figure lies within what
                       the missing forces or years could add;
* ``contradicted``     the data rule the figure out (complete data disagree, or the forces
                       we can see already exceed a published total);
* ``not_reproducible`` published force data cannot test it (no force-level counterpart,
                       no usable period, too little coverage).
"""
from __future__ import annotations

from online_csa.claims.cell_index import Components
from online_csa.common.formatting import format_number

VERDICTS = ("reproduced", "consistent", "contradicted", "not_reproducible")


def printed_unit(value_text) -> float:
    """The unit of the last printed digit: 1 for '22', 0.1 for '35.8'."""
    text = str(value_text).strip()
    if "." in text:
        return 10.0 ** -len(text.split(".", 1)[1])
    return 1.0


def approx_half_width(value: float) -> float:
    """An 'about N' figure is taken as N rounded at its last non-zero digit (34,000 -> +/-500)."""
    n = int(abs(value))
    zeros = 0
    while n and n % 10 == 0:
        n //= 10
        zeros += 1
    return 0.5 * 10 ** zeros


def _too_little_coverage(coverage: float, min_coverage_share: float) -> str:
    return (f"force data cover {coverage:.0%} of the children in the area, "
            f"below the {min_coverage_share:.0%} needed to call it consistent")


def judge_total(published, comp: Components, coverage, bound, exact_tolerance, min_coverage_share,
                partial_window=False):
    """(reproduced value, verdict, why) for a published total against the sum of force-level cells."""
    total = comp.total
    if not comp.observed and not comp.bounded:
        return None, "not_reproducible", "no force-level figure for any component"
    tolerance = approx_half_width(published) if bound == "approx" else exact_tolerance
    complete = not comp.missing
    if comp.bounded and not partial_window:
        return judge_total_range(published, comp, coverage, bound, tolerance, min_coverage_share)
    if partial_window:
        if complete and published <= total + tolerance:
            return total, "consistent", "a part-year count no larger than the whole years it falls in"
        if complete:
            return total, "contradicted", "a part-year count larger than the whole years it falls in"
        return total, "not_reproducible", "part-year count and the whole years are incomplete"
    if bound == "lower":
        if total >= published - tolerance:
            return total, "reproduced", "the observed cells alone reach the published lower bound"
        if complete:
            return total, "contradicted", "complete data fall short of the published lower bound"
    elif complete:
        if abs(total - published) <= tolerance:
            return total, "reproduced", "complete force-level data give the published figure"
        return total, "contradicted", (f"complete force-level data give {format_number(total)}, "
                                       f"not {format_number(published)}")
    elif total > published + tolerance:
        return total, "contradicted", "the forces we can see already exceed the published total"
    if coverage < min_coverage_share:
        return total, "not_reproducible", _too_little_coverage(coverage, min_coverage_share)
    gap = published - total
    return total, "consistent", (f"the missing cells would need to add {format_number(gap)} "
                                 f"({format_number(gap / len(comp.missing), 1)} each)")


def judge_total_range(published, comp: Components, coverage, bound, tolerance, min_coverage_share):
    """judge_total when some cells are suppressed small counts: the known cells sum to a range,
    not a number, so a published figure inside it is consistent, never reproduced exactly."""
    low, high = comp.total_range
    many = len(comp.bounded) > 1
    cells = f"{len(comp.bounded)} suppressed cell{'s' if many else ''} counted at {'their' if many else 'its'} bounds"
    between = f"between {format_number(low)} and {format_number(high)} ({cells})"
    if bound == "lower":
        if low >= published - tolerance:
            return low, "reproduced", f"the known cells reach the published lower bound even at their least: {between}"
        if not comp.missing and high < published - tolerance:
            return low, "contradicted", f"complete force-level data give at most {format_number(high)}: {between}"
    elif not comp.missing:
        if low - tolerance <= published <= high + tolerance:
            return low, "consistent", f"complete force-level data give {between}; the published figure lies within"
        return low, "contradicted", f"complete force-level data give {between}, not {format_number(published)}"
    elif low > published + tolerance:
        return low, "contradicted", f"the forces we can see already exceed the published total: {between}"
    if coverage < min_coverage_share:
        return low, "not_reproducible", _too_little_coverage(coverage, min_coverage_share)
    return low, "consistent", (f"the known cells give {between}; the missing cells would need to add "
                               f"{format_number(published - high)} to {format_number(published - low)}")


def judge_change(published, bound, computed, unit) -> tuple[str, str]:
    """(verdict, why) for a printed change against the recomputed one, to the printed unit."""
    if bound == "lower":
        ok = computed >= published - unit
        return ("reproduced" if ok else "contradicted"), "a lower bound: the change must be at least this large"
    ok = abs(computed - published) < unit
    return ("reproduced" if ok else "contradicted"), (
        "matches to the printed precision (rounded or truncated)" if ok else
        f"recomputed {computed:.2f} differs from the printed {published:g}")


def judge_ratio(ratio: float, threshold: float) -> tuple[str, str]:
    """(verdict, why) for "x-fold" / "at least doubled": the claim holds when the ratio is at least
    the threshold, unrounded (1.997 has not doubled), the one definition every stage uses."""
    if ratio >= threshold:
        return "reproduced", f"ratio {ratio:.3f} is at least {threshold:g}"
    return "contradicted", f"ratio {ratio:.3f} is below {threshold:g}"
