"""Assumptions as probability distributions (the `assumptions:` block of the config).

Each assumption is one of

* ``{dist: fixed, value: x}``
* ``{dist: uniform, low: a, high: b}``            a and b are the ends of the range
* ``{dist: beta, mean: m, low: a, high: b}``       a and b: the 5th and 95th percentiles asked for
* ``{dist: lognormal, median: m, low: a, high: b}`` a and b: the 5th and 95th percentiles asked for

A beta or a lognormal has two parameters and cannot honour three numbers, so both are fitted by
one rule: the centre (the beta's mean, the lognormal's median) is matched exactly, and the spread
is the smallest that puts the 5th percentile at or below `low` and the 95th at or above `high`.
The bound further from the centre is then met exactly and the other lies beyond its request: the
distribution is never narrower than asked. `Assumption.realised` gives the percentiles drawn,
and `label_warning` says when they lie further from the requested ones than a tolerance.

Draws are made by the inverse CDF of uniform numbers, so the same seed gives the same draws,
and each assumption has its own random stream (seeded by the run's seed and the assumption's
name), so adding an assumption never changes the draws of another, and assumptions are
independent unless monte_carlo.correlations ties them (dependence.py).

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
FIT_RULE = ("centre matched; the smallest spread with the 5th percentile at or below low and the 95th at or "
            "above high")


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

    @property
    def fitted(self) -> bool:
        """A beta or lognormal: low and high are requested percentiles, which the fit may miss."""
        return self.dist in ("beta", "lognormal")

    def quantile(self, q) -> np.ndarray:
        q = np.asarray(q, dtype=float)
        if self.ppf is None:
            return np.full(q.shape, float(self.params["value"]))
        return self.ppf(q)

    def draw(self, draws: int, seed: int) -> np.ndarray:
        return self.quantile(uniforms(self.name, draws, seed))

    def realised(self) -> tuple[float, float, float]:
        """The 5th, 50th and 95th percentiles of the distribution drawn from."""
        p05, median, p95 = (float(v) for v in self.quantile([LOWER, 0.5, UPPER]))
        return p05, median, p95

    def describe(self) -> str:
        p = self.params
        if self.dist == "fixed":
            return f"fixed at {p['value']:g}"
        if self.dist == "uniform":
            return f"uniform from {p['low']:g} to {p['high']:g}"
        centre = "mean" if self.dist == "beta" else "median"
        p05, _, p95 = self.realised()
        return (f"{self.dist}, {centre} {p[centre]:g}, 90% asked between {p['low']:g} and {p['high']:g}, "
                f"drawn between {p05:.3g} and {p95:.3g}")

    def label_warning(self, tolerance: dict) -> str:
        """Where a fitted percentile lies further from its request than the tolerance: a beta on the
        probability scale (`tolerance['probability']`), a lognormal relative to the requested value
        (`tolerance['relative']`); "" when both are within it, or nothing was requested."""
        if not self.fitted:
            return ""
        p05, _, p95 = self.realised()
        problems = []
        for label, realised, requested in (("5th", p05, self.params["low"]), ("95th", p95, self.params["high"])):
            if self.dist == "beta":
                off, limit = abs(realised - requested), tolerance["probability"]
                text = f"{off:.3f} from"
            else:
                off, limit = abs(realised / requested - 1), tolerance["relative"]
                text = f"{off:.0%} from"
            if off > limit:
                problems.append(f"{label} percentile {realised:.3g} is {text} the {requested:g} asked")
        if not problems:
            return ""
        return (f"assumptions.{self.name}: {'; '.join(problems)} (tolerance "
                f"{tolerance['probability'] if self.dist == 'beta' else format(tolerance['relative'], '.0%')}; "
                f"two parameters cannot honour the centre and both percentiles)")


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


# The concentration (a + b) of a fitted beta is searched between these.
_LOG_CONCENTRATION = (np.log(1e-2), np.log(1e7))


def _beta_concentration_reaching(mean: float, q: float, target: float) -> float:
    """The concentration a + b of the beta with this mean whose q-quantile is `target`. A larger
    concentration pulls every quantile towards the mean, so the root is unique; at the end of the
    search range when no concentration reaches it."""
    def gap(log_k: float) -> float:
        k = np.exp(log_k)
        return float(special.betaincinv(mean * k, (1 - mean) * k, q)) - target

    lo, hi = _LOG_CONCENTRATION
    g_lo, g_hi = gap(lo), gap(hi)
    if np.sign(g_lo) == np.sign(g_hi):
        return float(np.exp(lo if abs(g_lo) < abs(g_hi) else hi))
    return float(np.exp(optimize.brentq(gap, lo, hi, xtol=1e-10)))


def _beta_from_mean_and_percentiles(mean: float, low: float, high: float):
    """The beta with this mean and the smallest spread (largest concentration no larger than
    either bound allows) whose 5th percentile is at or below low and 95th at or above high: its
    inverse CDF."""
    k = min(_beta_concentration_reaching(mean, LOWER, low), _beta_concentration_reaching(mean, UPPER, high))
    return beta_ppf(mean * k, (1 - mean) * k)


def _lognormal_sigma(median: float, low: float, high: float) -> float:
    """The smallest log-scale spread with the 5th percentile at or below low and the 95th at or
    above high: set by whichever bound lies further from the median on the log scale."""
    return max(np.log(median / low), np.log(high / median)) / Z95


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
        return Assumption(name, dist, p, _beta_from_mean_and_percentiles(p["mean"], p["low"], p["high"]))
    if dist == "lognormal":
        p = _require(name, spec, DISTRIBUTION_PARAMETERS["lognormal"])
        if not 0 < p["low"] < p["median"] < p["high"]:
            raise AssumptionError(f"assumptions.{name}: need 0 < low < median < high (got {p['low']:g}, "
                                  f"{p['median']:g}, {p['high']:g})")
        return Assumption(name, dist, p, lognormal_ppf(p["median"], _lognormal_sigma(p["median"], p["low"], p["high"])))
    raise AssumptionError(f"assumptions.{name}: unknown dist {dist!r} (use fixed, uniform, beta or lognormal)")


def parse_assumptions(specs: dict, required: tuple[str, ...] = ()) -> dict[str, Assumption]:
    missing = [name for name in required if name not in specs]
    if missing:
        raise AssumptionError(f"assumptions: missing {', '.join(missing)}")
    return {name: parse_assumption(name, spec) for name, spec in specs.items()}


def assumptions_table(assumptions: dict[str, Assumption], specs: dict, parameters, tolerance: dict,
                      dependence: dict[str, str]) -> "pd.DataFrame":
    """The report's assumptions table: the distribution, the percentiles requested and those
    realised (5th, 50th, 95th), a warning where they differ by more than `tolerance`, how the
    assumption depends on the others (`dependence`: name -> text, from dependence.py), source and
    evidence.

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
        p05, median, p95 = a.realised()
        requested = ((a.params["low"], a.params["mean" if a.dist == "beta" else "median"], a.params["high"])
                     if a.fitted else (np.nan, np.nan, np.nan))
        rows.append({"assumption": name, "distribution": a.describe(),
                     "fit": FIT_RULE if a.fitted else "exact",
                     "requested_p05": requested[0], "requested_centre": requested[1], "requested_p95": requested[2],
                     "realised_p05": p05, "realised_median": median, "realised_p95": p95, "central": a.central,
                     "label_warning": a.label_warning(tolerance), "dependence": dependence[name],
                     "source": spec.get("source", ""),
                     "judgement": str(spec.get("source", "")).startswith("judgement"),
                     "evidence": "; ".join(f"{r.parameter} = {r.value}" for r in cited.itertuples()),
                     "evidence_urls": "; ".join(cited["source_url"].astype(str))})
    return pd.DataFrame(rows)
