"""How the assumptions are drawn together: independently, except pairs tied by a rank correlation.

Every assumption has its own stream of uniform numbers (distributions.uniforms), so without a
correlation two assumptions are independent. `monte_carlo.correlations` ties pairs through a
Gaussian copula: the uniforms of the tied assumptions become normal scores, are mixed by the
Cholesky factor of the normal-scale correlation matrix (configuration/correlations.py), and go
back to uniforms; each assumption keeps its own distribution. The first tied assumption in the
config's order keeps its draws exactly; an assumption tied to none keeps its own stream.
"""
from __future__ import annotations

import numpy as np
from scipy import special

from online_csa.configuration.correlations import cholesky, copula_matrix, correlated_names
from online_csa.sensitivity.distributions import Assumption, uniforms

# Uniforms are kept this far inside (0, 1) before the normal quantile, which is infinite at the ends.
_EDGE = 1e-12


def dependent_uniforms(names: list[str], draws: int, seed: int, correlations: list[dict]) -> dict[str, np.ndarray]:
    """Uniform(0, 1) numbers for every assumption, tied by `correlations` (rank correlations)."""
    u = {name: uniforms(name, draws, seed) for name in names}
    tied = correlated_names(correlations, names)
    if not tied:
        return u
    lower, failed = cholesky(copula_matrix(tied, correlations))
    if failed is not None:
        raise ValueError(f"monte_carlo.correlations: the correlations among {', '.join(tied)} are not positive definite")
    scores = special.ndtri(np.clip(np.vstack([u[name] for name in tied]), _EDGE, 1 - _EDGE))
    mixed = special.ndtr(np.asarray(lower) @ scores)
    for i, name in enumerate(tied):
        u[name] = u[name] if i == 0 else mixed[i]  # row 0 of the factor is (1, 0, ...): its own draws
    return u


def draw_assumptions(assumptions: dict[str, Assumption], draws: int, seed: int,
                     correlations: list[dict]) -> dict[str, np.ndarray]:
    """One joint draw of every assumption per Monte Carlo draw."""
    u = dependent_uniforms(list(assumptions), draws, seed, correlations)
    return {name: a.quantile(u[name]) for name, a in assumptions.items()}


def dependence_text(names: list[str], correlations: list[dict]) -> dict[str, str]:
    """For the assumptions table: how each assumption is drawn relative to the others."""
    out = {name: "independent of every other assumption" for name in names}
    ties: dict[str, list[str]] = {name: [] for name in names}
    for entry in correlations:
        ties[entry["a"]].append(f"rank correlation {float(entry['rho']):g} with {entry['b']}")
        ties[entry["b"]].append(f"rank correlation {float(entry['rho']):g} with {entry['a']}")
    for name, text in ties.items():
        if text:
            out[name] = "; ".join(text) + " (Gaussian copula); independent of the others"
    return out
