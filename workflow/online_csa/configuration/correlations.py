"""Rank correlations between assumptions (`monte_carlo.correlations`), checked before any job runs.

Every assumption has its own random stream, so two assumptions are independent unless an entry
`{a, b, rho}` ties them. The sensitivity stage draws tied assumptions through a Gaussian copula
(sensitivity/dependence.py): normal scores correlated by the matrix whose (a, b) entry is
`normal_scale_correlation(rho)`, the Pearson correlation of normal scores that gives the rank
(Spearman) correlation rho. That matrix must be positive definite, or no joint distribution has
those correlations; the check says so and names the keys.

Pure Python, so checking the config at parse time imports nothing heavy.
"""
from __future__ import annotations

import math

PREFIX = "monte_carlo.correlations"


def normal_scale_correlation(rank_correlation: float) -> float:
    """The correlation of two normal scores whose ranks correlate by `rank_correlation`:
    2 sin(pi rho / 6), exact for the Gaussian copula."""
    return 2.0 * math.sin(math.pi * rank_correlation / 6.0)


def correlated_names(correlations: list[dict], order: list[str]) -> list[str]:
    """The assumptions some entry names, in `order` (the order of the assumptions block)."""
    named = {entry[key] for entry in correlations for key in ("a", "b")}
    return [name for name in order if name in named]


def copula_matrix(names: list[str], correlations: list[dict]) -> list[list[float]]:
    """The normal-scale correlation matrix of `names` (1 on the diagonal, 0 for a pair not listed)."""
    index = {name: i for i, name in enumerate(names)}
    matrix = [[1.0 if i == j else 0.0 for j in range(len(names))] for i in range(len(names))]
    for entry in correlations:
        i, j = index[entry["a"]], index[entry["b"]]
        matrix[i][j] = matrix[j][i] = normal_scale_correlation(float(entry["rho"]))
    return matrix


def cholesky(matrix: list[list[float]]) -> tuple[list[list[float]] | None, int | None]:
    """(L, None) with L L' = matrix, or (None, k) when the leading k+1 rows are not positive definite."""
    n = len(matrix)
    lower = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1):
            s = matrix[i][j] - sum(lower[i][k] * lower[j][k] for k in range(j))
            if i == j:
                if s <= 1e-12:
                    return None, i
                lower[i][i] = math.sqrt(s)
            else:
                lower[i][j] = s / lower[j][j]
    return lower, None


def _linked(name: str, among: list[str], correlations: list[dict]) -> list[str]:
    """The assumptions of `among` tied to `name` through a chain of entries, in `among`'s order."""
    linked, frontier = {name}, [name]
    while frontier:
        current = frontier.pop()
        for entry in correlations:
            for this, other in ((entry["a"], entry["b"]), (entry["b"], entry["a"])):
                if this == current and other in among and other not in linked:
                    linked.add(other)
                    frontier.append(other)
    return [n for n in among if n in linked]


def correlation_errors(correlations, assumption_names: list[str], prefix: str = PREFIX) -> list[str]:
    """What the schema cannot say about the correlations: known keys, distinct, each pair once,
    and a positive definite matrix together."""
    if not isinstance(correlations, list):
        return []  # the schema has reported it
    errors, pairs = [], set()
    for i, entry in enumerate(correlations):
        if not isinstance(entry, dict) or not all(k in entry for k in ("a", "b", "rho")):
            return []  # the schema has reported it
        for key in ("a", "b"):
            if entry[key] not in assumption_names:
                errors.append(f"{prefix}[{i}].{key}: {entry[key]!r} is not an assumption "
                              f"(one of {', '.join(assumption_names)})")
        if entry["a"] == entry["b"]:
            errors.append(f"{prefix}[{i}]: a and b are both {entry['a']!r}; a correlation needs two assumptions")
        pair = frozenset((entry["a"], entry["b"]))
        if pair in pairs:
            errors.append(f"{prefix}[{i}]: the pair {entry['a']}, {entry['b']} is given more than once")
        pairs.add(pair)
    if errors:
        return errors
    names = correlated_names(correlations, assumption_names)
    _, failed = cholesky(copula_matrix(names, correlations))
    if failed is not None:
        keys = ", ".join(_linked(names[failed], names[: failed + 1], correlations))
        errors.append(f"{prefix}: the correlations among {keys} cannot hold together (their Gaussian-copula "
                      "correlation matrix is not positive definite); weaken one of them")
    return errors
