"""Assumptions as probability distributions (the `assumptions:` block of the config).

Each assumption is one of

* ``{dist: fixed, value: x}``
* ``{dist: uniform, low: a, high: b}``            a and b are the ends of the range
* ``{dist: beta, mean: m, low: a, high: b}``       a and b are the 5th and 95th percentiles
* ``{dist: lognormal, median: m, low: a, high: b}`` a and b are the 5th and 95th percentiles; their
  log-distance sets the spread, placed symmetrically (on the log scale) about the median

Draws are made by the inverse CDF of uniform numbers, so the same seed gives the same draws,
and each assumption has its own random stream (seeded by the run's seed and the assumption's
name), so adding an assumption never changes the draws of another.

The inverse CDFs are written with scipy.special (the inverse regularised incomplete beta and
the normal quantile) rather than scipy.stats, whose import is a large share of a sensitivity
job's start-up; a test checks them against scipy.stats.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import optimize, special

from online_csa.common.intervals import LOWER, UPPER
from online_csa.configuration.validation import DISTRIBUTION_PARAMETERS

Z95 = float(special.ndtri(UPPER))  # low and high of a lognormal are its LOWER and UPPER percentiles
PROBABILITY_DISTRIBUTIONS = {"beta"}


class AssumptionError(ValueError):
    """A config assumption that cannot be turned into a distribution; the message names the key."""


@dataclass(frozen=True)
class Assumption:
    name: str
    dist: str
    params: dict
    ppf: Callable[[np.ndarray], np.ndarray] | None  # the inverse CDF, or None for `fixed`

    @property
    def central(self) -> float:
        """The default value used when other assumptions vary one at a time: the fixed value,
        the beta mean, the lognormal median, the uniform midpoint."""
        p = self.params
        return {"fixed": lambda: p["value"], "uniform": lambda: (p["low"] + p["high"]) / 2,
                "beta": lambda: p["mean"], "lognormal": lambda: p["median"]}[self.dist]()

    def quantile(self, q) -> np.ndarray:
        q = np.asarray(q, dtype=float)
        if self.ppf is None:
            return np.full(q.shape, float(self.params["value"]))
        return self.ppf(q)

    def draw(self, draws: int, seed: int) -> np.ndarray:
        return self.quantile(uniforms(self.name, draws, seed))

    def describe(self) -> str:
        p = self.params
        if self.dist == "fixed":
            return f"fixed at {p['value']:g}"
        if self.dist == "uniform":
            return f"uniform from {p['low']:g} to {p['high']:g}"
        centre = "mean" if self.dist == "beta" else "median"
        return f"{self.dist}, {centre} {p[centre]:g}, 90% between {p['low']:g} and {p['high']:g}"


def uniforms(name: str, draws: int, seed: int) -> np.ndarray:
    """Uniform(0, 1) numbers for one assumption: a stream of its own, fixed by seed and name."""
    return np.random.default_rng([int(seed), zlib.crc32(name.encode())]).random(int(draws))


def _require(name: str, spec: dict, keys: tuple[str, ...]) -> dict:
    missing = [k for k in keys if k not in spec]
    if missing:
        raise AssumptionError(f"assumptions.{name}: dist {spec.get('dist')!r} needs {', '.join(missing)}")
    extra = sorted(set(spec) - set(keys) - {"dist", "source", "evidence", "description"})
    if extra:
        raise AssumptionError(f"assumptions.{name}: unknown key(s) {', '.join(extra)} for dist {spec['dist']!r}")
    values = {}
    for key in keys:
        value = spec[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise AssumptionError(f"assumptions.{name}.{key}: expected a number, got {value!r}")
        values[key] = float(value)
    return values


def uniform_ppf(low: float, high: float):
    return lambda q: low + (high - low) * np.asarray(q, dtype=float)


def beta_ppf(a: float, b: float):
    return lambda q: special.betaincinv(a, b, q)


def lognormal_ppf(median: float, sigma: float):
    return lambda q: median * np.exp(sigma * special.ndtri(q))


def _beta_from_mean_and_percentiles(name: str, mean: float, low: float, high: float):
    """The beta with this mean whose 5th and 95th percentiles are closest to low and high: its
    inverse CDF."""
    def loss(log_concentration: float) -> float:
        k = np.exp(log_concentration)
        p05, p95 = special.betaincinv(mean * k, (1 - mean) * k, [LOWER, UPPER])
        return (p05 - low) ** 2 + (p95 - high) ** 2

    best = optimize.minimize_scalar(loss, bounds=(np.log(0.5), np.log(1e5)), method="bounded",
                                    options={"xatol": 1e-8})
    k = float(np.exp(best.x))
    return beta_ppf(mean * k, (1 - mean) * k)


def parse_assumption(name: str, spec: dict) -> Assumption:
    if not isinstance(spec, dict) or "dist" not in spec:
        raise AssumptionError(f"assumptions.{name}: expected a mapping with a 'dist' key, got {spec!r}")
    dist = spec["dist"]
    if dist == "fixed":
        p = _require(name, spec, DISTRIBUTION_PARAMETERS["fixed"])
        return Assumption(name, dist, p, None)
    if dist == "uniform":
        p = _require(name, spec, DISTRIBUTION_PARAMETERS["uniform"])
        if not p["low"] < p["high"]:
            raise AssumptionError(f"assumptions.{name}: low ({p['low']:g}) must be below high ({p['high']:g})")
        return Assumption(name, dist, p, uniform_ppf(p["low"], p["high"]))
    if dist == "beta":
        p = _require(name, spec, DISTRIBUTION_PARAMETERS["beta"])
        for key in ("mean", "low", "high"):
            if not 0 < p[key] < 1:
                raise AssumptionError(f"assumptions.{name}.{key}: a beta is a probability, so {key} must be "
                                      f"strictly between 0 and 1 (got {p[key]:g})")
        if not p["low"] < p["mean"] < p["high"]:
            raise AssumptionError(f"assumptions.{name}: need low < mean < high (got {p['low']:g}, {p['mean']:g}, "
                                  f"{p['high']:g})")
        return Assumption(name, dist, p, _beta_from_mean_and_percentiles(name, p["mean"], p["low"], p["high"]))
    if dist == "lognormal":
        p = _require(name, spec, DISTRIBUTION_PARAMETERS["lognormal"])
        if not 0 < p["low"] < p["median"] < p["high"]:
            raise AssumptionError(f"assumptions.{name}: need 0 < low < median < high (got {p['low']:g}, "
                                  f"{p['median']:g}, {p['high']:g})")
        sigma = (np.log(p["high"]) - np.log(p["low"])) / (2 * Z95)
        return Assumption(name, dist, p, lognormal_ppf(p["median"], sigma))
    raise AssumptionError(f"assumptions.{name}: unknown dist {dist!r} (use fixed, uniform, beta or lognormal)")


def parse_assumptions(specs: dict, required: tuple[str, ...] = ()) -> dict[str, Assumption]:
    missing = [name for name in required if name not in specs]
    if missing:
        raise AssumptionError(f"assumptions: missing {', '.join(missing)}")
    return {name: parse_assumption(name, spec) for name, spec in specs.items()}


def assumptions_table(assumptions: dict[str, Assumption], specs: dict, parameters) -> "pd.DataFrame":
    """The report's assumptions table: distribution, 5th/central/95th values, source and evidence.

    `parameters` is under_recording_parameters.csv; every `evidence` name must be a row of it."""
    import pandas as pd

    known = set(parameters["parameter"])
    rows = []
    for name, a in assumptions.items():
        spec = specs[name]
        evidence = list(spec.get("evidence", []) or [])
        unknown = [e for e in evidence if e not in known]
        if unknown:
            raise AssumptionError(f"assumptions.{name}.evidence: {', '.join(unknown)} not in "
                                  "under_recording_parameters.csv")
        cited = parameters[parameters["parameter"].isin(evidence)]
        rows.append({"assumption": name, "distribution": a.describe(), "p05": float(a.quantile(LOWER)),
                     "central": a.central, "p95": float(a.quantile(UPPER)), "source": spec.get("source", ""),
                     "judgement": str(spec.get("source", "")).startswith("judgement"),
                     "evidence": "; ".join(f"{r.parameter} = {r.value}" for r in cited.itertuples()),
                     "evidence_urls": "; ".join(cited["source_url"].astype(str))})
    return pd.DataFrame(rows)
