"""Impute missing force-years by simulation, limited by the totals the ledger already prints.

1. Fit the NB model (negative_binomial.py) on the observed cells.
2. **Simulate** (`simulate_unobserved_cells`): draw every missing cell from the posterior
   predictive: coefficients from their sampling distribution, then a negative-binomial count.
   These are prediction intervals for the count, not intervals for its mean.
3. **Apply** what the ledger already constrains (constraints.py), draw by draw, one function
   per kind:
   * a force's **cumulative total** over several years fixes the sum of its missing cells in
     those years (the remainder after its observed cells): the drawn cells are rescaled to it
     (`apply_cumulative_constraint`);
   * a **national total over a known number of responding forces** fixes the sum of the
     responders' cells. Forces with an observed cell count as responders; forces a source says
     gave no figure (`not_provided`) do not; the remaining responders are chosen at random in
     each draw from the other missing forces, and their drawn cells rescaled to the remainder
     (`apply_national_constraint`). The cells of forces that did not respond keep their
     unconstrained draws.
   A constraint the data contradict (observed cells already above the total, more observed
   forces than responders) is not applied, and the constraints table says why.
4. **Collect** (`cell_methods`): how each cell was estimated, and which constraints limited it.
5. Summarise: median and 90% interval per cell and per geography total.

The leave-one-out check of the intervals is in calibration.py.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from online_csa.common.fiscal_years import format_fiscal_year
from online_csa.common.intervals import central_interval
from online_csa.models.constraints import CUMULATIVE, TotalConstraint, application_order, rescale_rows
from online_csa.models.negative_binomial import NegativeBinomialFit, simulate_counts
from online_csa.models.random_subsets import smallest_per_row


@dataclass
class Imputation:
    cells: pd.DataFrame  # the model frame with method and constraint columns
    missing_draws: np.ndarray  # draws x unobserved cells, in the order of the cells
    constraints: pd.DataFrame  # one row per constraint: applied or why not

    @property
    def draws(self) -> np.ndarray:
        """draws x every cell (observed cells hold their value). Built on request: the pipeline
        keeps only the unobserved cells' draws, so memory grows with the cells it imputes."""
        observed = self.cells["observed"].to_numpy()
        full = np.empty((self.missing_draws.shape[0], len(observed)))
        full[:, observed] = self.cells.loc[observed, "value"].to_numpy(float)[None, :]
        full[:, ~observed] = self.missing_draws
        return full


def _missing_columns(missing: np.ndarray) -> np.ndarray:
    """Each cell's column in the draws of the unobserved cells (`Imputation.missing_draws`), -1
    for an observed cell."""
    column = np.full(len(missing), -1)
    column[missing] = np.arange(int(missing.sum()))
    return column


@dataclass
class SimulatedCells:
    """The draws of the unobserved cells as the constraints change them, and what limited each cell."""
    cells: pd.DataFrame  # the model frame, one row per cell
    simulated: np.ndarray  # draws x unobserved cells (observed cells are the same in every draw)
    column: np.ndarray  # each cell's column of `simulated`; -1 for an observed cell
    estimable: np.ndarray  # False where the model has no effect for the cell's year
    suppressed: np.ndarray  # drawn inside its printed bounds; never rescaled
    fixed: np.ndarray  # set by a cumulative constraint, or bounded by a suppressed count
    constrained_by: list[list[str]]  # record ids of the constraints applied to each cell

    @property
    def draws(self) -> int:
        return self.simulated.shape[0]


def simulate_unobserved_cells(frame: pd.DataFrame, fit: NegativeBinomialFit, draws: int,
                              rng: np.random.Generator) -> SimulatedCells:
    """Posterior-predictive draws of every unobserved cell, a suppressed one inside its bounds."""
    cells = frame.reset_index(drop=True).copy()
    missing = ~cells["observed"].to_numpy()
    lower = cells["lower"].to_numpy(float) if "lower" in cells else np.full(len(cells), np.nan)
    upper = cells["upper"].to_numpy(float) if "upper" in cells else np.full(len(cells), np.nan)
    suppressed = missing & ~np.isnan(lower)
    simulated = simulate_counts(fit, cells.loc[missing, "force"], cells.loc[missing, "year"],
                                cells.loc[missing, "log_population"], draws, rng,
                                lower=lower[missing], upper=upper[missing])
    estimable = np.ones(len(cells), dtype=bool)
    estimable[missing] = ~np.isnan(simulated).any(axis=0)
    return SimulatedCells(cells, simulated, _missing_columns(missing), estimable, suppressed, suppressed.copy(),
                          [[] for _ in range(len(cells))])


def apply_cumulative_constraint(state: SimulatedCells, constraint: TotalConstraint, covered: np.ndarray,
                                observed: np.ndarray, remainder: float) -> tuple[bool, str]:
    """Rescale the force's free missing cells so that, with its suppressed cells, they sum to the
    remainder in every draw. Returns (applied, note)."""
    free = covered[~observed & ~state.suppressed[covered]]
    bounded = covered[state.suppressed[covered]]
    if len(free) == 0:
        return False, "every year observed: a check, not a constraint" + (
            "" if remainder == 0 else f" (differs by {remainder:,.0f})")
    simulated, column = state.simulated, state.column
    simulated[:, column[free]] = rescale_rows(simulated[:, column[free]],
                                              remainder - simulated[:, column[bounded]].sum(axis=1))
    state.fixed[free] = True
    for i in free:
        state.constrained_by[i].append(constraint.record_id)
    return True, f"missing cells rescaled to sum to {remainder:,.0f}"


def _draw_responders(must: np.ndarray, responders: int, draws: int, rng: np.random.Generator) -> np.ndarray:
    """draws x forces without a figure: True for a responder. The forces in `must` responded in
    every draw; the rest of the `responders` are drawn at random from the others, draw by draw."""
    others = np.flatnonzero(~must)
    picked = smallest_per_row(rng.random((draws, len(others))), responders - int(must.sum()))
    chosen = np.zeros((draws, len(must)), dtype=bool)
    chosen[:, must] = True
    chosen[:, others] = picked
    return chosen


def apply_national_constraint(state: SimulatedCells, constraint: TotalConstraint, covered: np.ndarray,
                              observed: np.ndarray, remainder: float, rng: np.random.Generator) -> tuple[bool, str]:
    """Draw which forces without a figure responded, and rescale their free cells so that all the
    responders' cells sum to the remainder in every draw. Returns (applied, note)."""
    status = state.cells["status"].to_numpy()[covered]
    unknown = covered[(~observed) & (status != "not_provided")]
    n_observed = int(observed.sum())
    if constraint.responded is None:
        return False, "not applied: the release does not say how many forces responded"
    if constraint.responded < n_observed:
        return False, (f"not applied: {n_observed} forces have observed cells but only {constraint.responded} "
                       "responded (the observed cells come from other sources or vintages)")
    if constraint.responded - n_observed > len(unknown):
        return False, "not applied: more responders than forces that could have responded"
    if constraint.responded - n_observed < state.suppressed[unknown].sum():
        return False, "not applied: more forces printed a suppressed count than responded"
    # a force that printed a suppressed count responded; the other responders are drawn
    k = constraint.responded - n_observed  # responders among the forces without a figure
    chosen = _draw_responders(state.suppressed[unknown], k, state.draws, rng)
    simulated, column = state.simulated, state.column
    block = simulated[:, column[unknown]]
    is_fixed = state.fixed[unknown][None, :]
    fixed_sum = (block * (chosen & is_fixed)).sum(axis=1)
    free = chosen & ~is_fixed
    free_sum = (block * free).sum(axis=1)
    target = remainder - fixed_sum
    short = target < 0
    scale = np.where(free_sum > 0, np.clip(target, 0, None) / np.where(free_sum > 0, free_sum, 1), 1.0)
    simulated[:, column[unknown]] = np.where(free, block * scale[:, None], block)
    for i in unknown:
        state.constrained_by[i].append(constraint.record_id)
    note = (f"{k} of the {len(unknown)} forces without a figure responded; their cells rescaled "
            f"to sum to {remainder:,.0f} in each draw")
    if short.any():
        note += (f"; in {short.mean():.1%} of draws the cumulative-constrained cells alone "
                 "exceeded the remainder")
    return True, note


def apply_constraint(state: SimulatedCells, constraint: TotalConstraint, cell_of: dict,
                     rng: np.random.Generator) -> dict:
    """Apply one constraint if the data allow it; its row of the constraints table either way.
    `cell_of` maps (force, year) to the cell's row."""
    covered = [cell_of.get((force, year)) for force in constraint.forces for year in constraint.years]
    entry = {"record_id": constraint.record_id, "kind": constraint.kind, "label": constraint.label,
             "fiscal_years": ";".join(format_fiscal_year(y) for y in constraint.years), "total": constraint.total,
             "forces_responded": constraint.responded, "override": constraint.override, "observed_sum": np.nan,
             "missing_cells": 0, "applied": False, "note": ""}
    if any(i is None for i in covered):
        entry["note"] = "covers force-years outside the model (offence not yet in force, or outside the panel)"
        return entry
    covered = np.array(covered, dtype=int)
    observed = state.cells["observed"].to_numpy()[covered]
    observed_sum = float(state.cells["value"].to_numpy(float)[covered[observed]].sum())
    entry["observed_sum"] = observed_sum
    entry["missing_cells"] = int((~observed).sum())
    remainder = constraint.total - observed_sum
    if not state.estimable[covered].all():
        entry["note"] = "a cell it covers is not estimable (no observation in that year)"
    elif remainder < 0:
        entry["note"] = f"not applied: observed cells already sum to {observed_sum:,.0f}, above the total"
    elif constraint.kind == CUMULATIVE:
        entry["applied"], entry["note"] = apply_cumulative_constraint(state, constraint, covered, observed, remainder)
    else:
        entry["applied"], entry["note"] = apply_national_constraint(state, constraint, covered, observed, remainder,
                                                                    rng)
    return entry


def cell_methods(state: SimulatedCells, fit: NegativeBinomialFit) -> np.ndarray:
    """How each cell was estimated: observed, not_estimable, nb_prediction or
    nb_prediction_pooled_force_effect (a force the fit never saw), with what else bounds it."""
    cells = state.cells
    in_fit = cells["force"].isin(fit.forces).to_numpy()
    not_provided = (cells["status"] == "not_provided").to_numpy()
    method = np.where(cells["observed"], "observed",
                      np.where(~state.estimable, "not_estimable",
                               np.where(in_fit, "nb_prediction", "nb_prediction_pooled_force_effect")))
    method = np.where((method != "observed") & (method != "not_estimable") & not_provided,
                      np.char.add(method.astype(str), "; force gave no figure"), method)
    return np.where((method != "not_estimable") & state.suppressed,
                    np.char.add(method.astype(str), "; within the suppressed bounds"), method)


def impute_missing_cells(frame: pd.DataFrame, fit: NegativeBinomialFit, constraints: list[TotalConstraint],
                         draws: int, seed: int) -> Imputation:
    rng = np.random.default_rng(seed)  # one stream: the simulation, then each national constraint's responders
    state = simulate_unobserved_cells(frame, fit, draws, rng)
    cells = state.cells
    cell_of = {(f, y): i for i, (f, y) in enumerate(zip(cells["force"], cells["year"]))}
    log = [apply_constraint(state, constraint, cell_of, rng) for constraint in application_order(constraints)]
    cells["method"] = cell_methods(state, fit)
    cells["constraints"] = [";".join(records) for records in state.constrained_by]
    return Imputation(cells, state.simulated, pd.DataFrame(log))


def force_year_estimates(imp: Imputation) -> pd.DataFrame:
    cells = imp.cells
    observed = cells["observed"].to_numpy()
    lower, median, upper = np.full((3, len(cells)), np.nan)
    if (~observed).any():
        lower[~observed], median[~observed], upper[~observed] = central_interval(imp.missing_draws, axis=0)
    out = pd.DataFrame({
        "series": cells["series"], "force": cells["force"], "fiscal_year": cells["fiscal_year"],
        "status": cells["status"], "observed": np.where(observed, cells["value"], np.nan),
        # an observed cell cites its records, and so does a suppressed one: its record bounds the draws
        "record_ids": np.where(observed | (cells["status"] == "suppressed").to_numpy(), cells["record_ids"].fillna(""), ""),
        "estimate": np.where(observed, cells["value"], median),
        "lower_90": np.where(observed, cells["value"], lower), "upper_90": np.where(observed, cells["value"], upper),
        "method": cells["method"], "constraints": cells["constraints"], "population_note": cells["population_note"]})
    return out


def national_totals(imp: Imputation, geographies: dict[str, tuple[str, ...]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per geography and year: observed sum and the imputed total with its 90% interval; and the
    draws of the imputed part (draws x geography-years) for the sensitivity stage."""
    cells = imp.cells
    rows, draw_columns = [], {}
    series = cells["series"].iloc[0]
    column = _missing_columns(~cells["observed"].to_numpy())
    for gid, forces in geographies.items():
        for year in sorted(cells["year"].unique()):
            mask = (cells["year"] == year).to_numpy() & cells["force"].isin(forces).to_numpy()
            obs = mask & cells["observed"].to_numpy()
            imputed_part = imp.missing_draws[:, column[mask & ~cells["observed"].to_numpy()]].sum(axis=1)
            observed_sum = float(cells.loc[obs, "value"].sum())
            total = observed_sum + imputed_part
            estimable = not np.isnan(total).any()
            lower, median, upper = central_interval(total) if estimable else (np.nan,) * 3
            rows.append({"series": series, "fiscal_year": format_fiscal_year(year), "geography": gid,
                         "forces": int(mask.sum()), "observed_forces": int(obs.sum()), "observed_sum": observed_sum,
                         "estimate": median, "lower_90": lower, "upper_90": upper,
                         "note": "" if estimable else "not estimable: no observed cell that year"})
            if estimable:
                draw_columns[f"{series}|{gid}|{format_fiscal_year(year)}"] = imputed_part
    return pd.DataFrame(rows), pd.DataFrame(draw_columns)
