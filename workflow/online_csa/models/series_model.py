"""One modelled series, as every model-stage rule sets it up: its model frame, the mixed model
fitted to its printed cells, and its published totals with the rule's choice among them."""
from __future__ import annotations

import pickle
from dataclasses import dataclass

import pandas as pd

from online_csa.common.geographies import GeographyMap
from online_csa.models.mixed_negative_binomial import MixedFit, fit_mixed_negative_binomial
from online_csa.common.fiscal_years import parse_fiscal_year
from online_csa.models.model_panel import OBSERVED_STATUSES, model_frame
from online_csa.models.selection_imputation import unusable_constraints
from online_csa.models.total_constraints import (UNAPPLIED_BOUND, TotalCandidate, candidate_totals,
                                                choose_constraints)


@dataclass
class SeriesModel:
    series: str
    frame: pd.DataFrame
    fit: MixedFit
    candidates: list[TotalCandidate]


def outside_figures(panel: pd.DataFrame, series: str, forces: list[str]) -> dict[tuple[str, int], float]:
    """The series' printed figures of forces outside the modelled ones, by (force, year): they
    tighten an upper bound whose geography covers those forces."""
    rows = panel[(panel["series"] == series) & ~panel["force"].isin(forces)
                 & panel["status"].isin(OBSERVED_STATUSES)]
    values = pd.to_numeric(rows["value"], errors="coerce")
    return {(force, parse_fiscal_year(year)): float(value)
            for force, year, value in zip(rows["force"], rows["fiscal_year"], values) if pd.notna(value)}


def series_model(panel: pd.DataFrame, claim_records: pd.DataFrame, geographies: GeographyMap, series: str,
                 geography: str, national_geographies: list[str], exclude_totals: dict,
                 responder_overrides: dict) -> SeriesModel:
    forces = list(geographies.geographies[geography].forces)
    frame = model_frame(panel, series, forces)
    years = sorted(frame["year"].unique())
    fit = fit_mixed_negative_binomial(frame[frame["observed"]], forces, years)
    candidates = choose_constraints(candidate_totals(claim_records, series, geographies, forces, years,
                                                     exclude_totals, responder_overrides,
                                                     outside_figures(panel, series, forces)),
                                    frame, national_geographies)
    for candidate_id, why in unusable_constraints(frame, candidates).items():
        candidate = next(c for c in candidates if c.record_id == candidate_id)
        candidate.applied, candidate.reason = False, why
        candidate.role = UNAPPLIED_BOUND if candidate.is_bound else "check"
    return SeriesModel(series, frame, fit, candidates)


def series_models(panel: pd.DataFrame, claim_records: pd.DataFrame, geographies: GeographyMap,
                  setup) -> list[SeriesModel]:
    """Every series in `setup.series`, set up as every model-stage rule does; `setup` carries the
    rules' shared params (geography, series, national_geographies, exclude_totals,
    responder_overrides)."""
    return [series_model(panel, claim_records, geographies, series, setup.geography, setup.national_geographies,
                         setup.exclude_totals, setup.responder_overrides) for series in setup.series]


def save_series_models(models: list[SeriesModel], path) -> None:
    """Write the fitted series for the model-stage jobs of this run to share (a pickle: it is read
    back only by this package's own code, in the same environment, never archived as a result)."""
    with open(path, "wb") as handle:
        pickle.dump(models, handle, protocol=pickle.HIGHEST_PROTOCOL)


def load_series_models(path) -> list[SeriesModel]:
    """The series `save_series_models` wrote, each a fresh copy the job may change."""
    with open(path, "rb") as handle:
        return pickle.load(handle)
