"""One modelled series, as every model-stage rule sets it up: its model frame, the mixed model
fitted to its printed cells, and its published totals with the rule's choice among them."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from online_csa.common.geographies import GeographyMap
from online_csa.models.mixed_negative_binomial import MixedFit, fit_mixed_negative_binomial
from online_csa.models.model_panel import model_frame
from online_csa.models.selection_imputation import unusable_constraints
from online_csa.models.total_constraints import TotalCandidate, candidate_totals, choose_constraints


@dataclass
class SeriesModel:
    series: str
    frame: pd.DataFrame
    fit: MixedFit
    candidates: list[TotalCandidate]


def series_model(panel: pd.DataFrame, claim_records: pd.DataFrame, geographies: GeographyMap, series: str,
                 geography: str, national_geographies: list[str], exclude_totals: dict,
                 responder_overrides: dict) -> SeriesModel:
    forces = list(geographies.geographies[geography].forces)
    frame = model_frame(panel, series, forces)
    years = sorted(frame["year"].unique())
    fit = fit_mixed_negative_binomial(frame[frame["observed"]], forces, years)
    candidates = choose_constraints(candidate_totals(claim_records, series, geographies, forces, years,
                                                     exclude_totals, responder_overrides),
                                    frame, national_geographies)
    for candidate_id, why in unusable_constraints(frame, candidates).items():
        candidate = next(c for c in candidates if c.record_id == candidate_id)
        candidate.applied, candidate.role, candidate.reason = False, "check", why
    return SeriesModel(series, frame, fit, candidates)


def series_models(panel: pd.DataFrame, claim_records: pd.DataFrame, geographies: GeographyMap,
                  setup) -> list[SeriesModel]:
    """Every series in `setup.series`, set up as every model-stage rule does; `setup` carries the
    rules' shared params (geography, series, national_geographies, exclude_totals,
    responder_overrides)."""
    return [series_model(panel, claim_records, geographies, series, setup.geography, setup.national_geographies,
                         setup.exclude_totals, setup.responder_overrides) for series in setup.series]
