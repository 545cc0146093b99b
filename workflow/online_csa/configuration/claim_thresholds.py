"""One threshold per claim, shared by the claims stage and the sensitivity stage.

A trend claim of `sensitivity.trend_claims` lists the ratios it is tested against, each with
what reaching it means. A threshold the claims stage also uses (the ratio "doubled" needs,
`headline_checks.doubling.threshold`) is not repeated: the entry names the
headline check, and `resolve_trend_claims` reads its number from there when the rules' params
are built, so the two stages cannot disagree. A claim holds when its ratio is at least the
threshold, unrounded, in both stages.
"""
from __future__ import annotations

import copy

PREFIX = "sensitivity.trend_claims"


def _check_threshold(headline_checks: dict, name: str):
    check = headline_checks.get(name)
    if not isinstance(check, dict):
        return None, f"is not a headline check (one of {', '.join(sorted(headline_checks)) or 'none'})"
    threshold = check.get("threshold")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        return None, f"headline_checks.{name} has no threshold"
    return float(threshold), ""


def threshold_errors(trend_claims, headline_checks: dict) -> list[str]:
    """Every threshold that names a headline check without a threshold, with its key."""
    errors = []
    for i, claim in enumerate(trend_claims if isinstance(trend_claims, list) else []):
        thresholds = claim.get("thresholds") if isinstance(claim, dict) else None
        for j, threshold in enumerate(thresholds if isinstance(thresholds, list) else []):
            if isinstance(threshold, dict) and "headline_check" in threshold:
                _, problem = _check_threshold(headline_checks, threshold["headline_check"])
                if problem:
                    errors.append(f"{PREFIX}[{i}].thresholds[{j}].headline_check: "
                                  f"{threshold['headline_check']!r} {problem}")
    return errors


def resolve_trend_claims(trend_claims: list[dict], headline_checks: dict) -> list[dict]:
    """The trend claims with every threshold as {meaning, ratio, source}: `source` is the config key
    the number comes from (the headline check's threshold, or the trend claim's own entry)."""
    resolved = copy.deepcopy(trend_claims)
    for i, claim in enumerate(resolved):
        thresholds = []
        for j, threshold in enumerate(claim["thresholds"]):
            if "headline_check" in threshold:
                name = threshold["headline_check"]
                ratio, problem = _check_threshold(headline_checks, name)
                if problem:
                    raise ValueError(f"{PREFIX}[{i}].thresholds[{j}].headline_check: {name!r} {problem}")
                source = f"headline_checks.{name}.threshold"
            else:
                ratio, source = float(threshold["ratio"]), f"{PREFIX}[{i}].thresholds[{j}].ratio"
            thresholds.append({"meaning": threshold["meaning"], "ratio": ratio, "source": source})
        claim["thresholds"] = thresholds
    return resolved
