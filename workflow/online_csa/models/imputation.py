"""Impute missing force-years by simulation, limited by the totals the ledger already prints.

1. Fit the NB model (negative_binomial.py) on the observed cells.
2. Draw every missing cell from the posterior predictive: coefficients from their sampling
   distribution, then a negative-binomial count. These are prediction intervals for the count,
   not intervals for its mean.
3. Apply what the ledger already constrains, draw by draw:
   * a force's **cumulative total** over several years fixes the sum of its missing cells in
     those years (the remainder after its observed cells): the drawn cells are rescaled to it;
   * a **national total over a known number of responding forces** fixes the sum of the
     responders' cells. Forces with an observed cell count as responders; forces a source says
     gave no figure (`not_provided`) do not; the remaining responders are chosen at random in
     each draw from the other missing forces, and their drawn cells rescaled to the remainder.
     The cells of forces that did not respond keep their unconstrained draws.
   A constraint the data contradict (observed cells already above the total, more observed
   forces than responders) is not applied, and the constraints table says why.
4. Summarise: median and 90% interval per cell and per geography total.

`leave_one_out_calibration` refits the model without each observed cell in turn and records
whether the cell's 90% prediction interval covers it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from online_csa.common.fiscal_years import format_fiscal_year, parse_fiscal_year, parse_period
from online_csa.models.negative_binomial import NegativeBinomialFit, NotIdentifiedError, fit_negative_binomial, simulate_counts

LOWER, UPPER = 0.05, 0.95  # every interval of this stage: the central 90% of the draws
LEVEL = UPPER - LOWER


@dataclass(frozen=True)
class TotalConstraint:
    record_id: str
    kind: str  # "cumulative" (one force, several years) or "national" (several forces, one year)
    forces: tuple[str, ...]
    years: tuple[int, ...]
    total: float
    responded: int | None = None
    label: str = ""
    override: str = ""  # why the count of responding forces differs from the release's


def cumulative_constraints(claim_records: pd.DataFrame, series: str, forces: list[str]) -> list[TotalConstraint]:
    """Force-level `<series>_cumulative` records over a span of whole fiscal years."""
    rows = claim_records[(claim_records["measure"] == f"{series}_cumulative") & (claim_records["level"] == "force")]
    out = []
    for _, row in rows.iterrows():
        period = parse_period(row["fiscal_year"])
        if period.kind != "span" or row["force"] not in forces or pd.isna(row["value"]):
            continue
        out.append(TotalConstraint(row["record_id"], "cumulative", (row["force"],), tuple(period.start_years),
                                   float(row["value"]), None, f"{row['force']} {row['fiscal_year']}"))
    return out


def national_constraints(claim_records: pd.DataFrame, entries: list[dict], geographies,
                         forces: list[str]) -> list[TotalConstraint]:
    """National or regional totals named in config ({record, forces_responded?, reason?}),
    with the forces of their geography."""
    by_id = claim_records.set_index("record_id")
    out = []
    for entry in entries:
        record_id = entry["record"]
        if record_id not in by_id.index:
            raise ValueError(f"models: national constraint {record_id} is not a claim record of the ledger")
        row = by_id.loc[record_id]
        geography = geographies.for_record(record_id, row["geography"])
        if geography is None:
            raise ValueError(f"models: national constraint {record_id}: geography {row['geography']!r} "
                             "is not mapped in geographies.yaml")
        outside = sorted(set(geography.forces) - set(forces))
        if outside:
            raise ValueError(f"models: national constraint {record_id} covers forces outside the modelled "
                             f"geography: {', '.join(outside)}")
        responded = pd.to_numeric(row["forces_responded"], errors="coerce")
        override = ""
        if "forces_responded" in entry:
            if not entry.get("reason"):
                raise ValueError(f"models: national constraint {record_id} overrides forces_responded without a reason")
            responded, override = entry["forces_responded"], entry["reason"]
        out.append(TotalConstraint(record_id, "national", tuple(geography.forces),
                                   (parse_fiscal_year(row["fiscal_year"]),), float(row["value"]),
                                   None if pd.isna(responded) else int(responded), geography.label, override))
    return out


def _rescale(block: np.ndarray, target) -> np.ndarray:
    """Rescale each row of `block` to sum to `target` (a number or one per row); equal shares if a row is all zero."""
    target = np.broadcast_to(np.asarray(target, dtype=float), (block.shape[0],))
    sums = block.sum(axis=1)
    equal = np.full(block.shape, 1.0 / block.shape[1])
    shares = np.where(sums[:, None] > 0, block / np.where(sums > 0, sums, 1.0)[:, None], equal)
    return shares * target[:, None]


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


def impute_missing_cells(frame: pd.DataFrame, fit: NegativeBinomialFit, constraints: list[TotalConstraint],
                         draws: int, seed: int) -> Imputation:
    rng = np.random.default_rng(seed)
    cells = frame.reset_index(drop=True).copy()
    missing = ~cells["observed"].to_numpy()
    lower = cells["lower"].to_numpy(float) if "lower" in cells else np.full(len(cells), np.nan)
    upper = cells["upper"].to_numpy(float) if "upper" in cells else np.full(len(cells), np.nan)
    suppressed = missing & ~np.isnan(lower)  # drawn inside its bounds; never rescaled
    # draws of the unobserved cells only (observed cells are the same in every draw); `column`
    # maps a cell to its column of `simulated`
    simulated = simulate_counts(fit, cells.loc[missing, "force"], cells.loc[missing, "year"],
                                cells.loc[missing, "log_population"], draws, rng,
                                lower=lower[missing], upper=upper[missing])
    column = _missing_columns(missing)
    estimable = np.ones(len(cells), dtype=bool)
    estimable[missing] = ~np.isnan(simulated).any(axis=0)
    fixed = suppressed.copy()  # set by a cumulative constraint, or bounded by a suppressed count
    touched = [[] for _ in range(len(cells))]
    log = []

    key = {(f, y): i for i, (f, y) in enumerate(zip(cells["force"], cells["year"]))}
    for c in sorted(constraints, key=lambda c: (c.kind != "cumulative", c.record_id)):
        idx = [key.get((f, y)) for f in c.forces for y in c.years]
        entry = {"record_id": c.record_id, "kind": c.kind, "label": c.label,
                 "fiscal_years": ";".join(format_fiscal_year(y) for y in c.years), "total": c.total,
                 "forces_responded": c.responded, "override": c.override, "observed_sum": np.nan, "missing_cells": 0, "applied": False,
                 "note": ""}
        if any(i is None for i in idx):
            entry["note"] = "covers force-years outside the model (offence not yet in force, or outside the panel)"
            log.append(entry)
            continue
        idx = np.array(idx)
        obs = cells.loc[idx, "observed"].to_numpy()
        observed_sum = float(cells.loc[idx[obs], "value"].sum())
        entry["observed_sum"] = observed_sum
        entry["missing_cells"] = int((~obs).sum())
        remainder = c.total - observed_sum
        if not estimable[idx].all():
            entry["note"] = "a cell it covers is not estimable (no observation in that year)"
        elif remainder < 0:
            entry["note"] = f"not applied: observed cells already sum to {observed_sum:,.0f}, above the total"
        elif c.kind == "cumulative":
            free = idx[~obs & ~suppressed[idx]]
            bounded = idx[suppressed[idx]]
            if len(free) == 0:
                entry["note"] = "every year observed: a check, not a constraint" + (
                    "" if remainder == 0 else f" (differs by {remainder:,.0f})")
            else:
                simulated[:, column[free]] = _rescale(simulated[:, column[free]],
                                                      remainder - simulated[:, column[bounded]].sum(axis=1))
                fixed[free] = True
                for i in free:
                    touched[i].append(c.record_id)
                entry["applied"] = True
                entry["note"] = f"missing cells rescaled to sum to {remainder:,.0f}"
        else:  # national
            status = cells.loc[idx, "status"].to_numpy()
            unknown = idx[(~obs) & (status != "not_provided")]
            n_observed = int(obs.sum())
            if c.responded is None:
                entry["note"] = "not applied: the release does not say how many forces responded"
            elif c.responded < n_observed:
                entry["note"] = (f"not applied: {n_observed} forces have observed cells but only {c.responded} "
                                 "responded (the observed cells come from other sources or vintages)")
            elif c.responded - n_observed > len(unknown):
                entry["note"] = "not applied: more responders than forces that could have responded"
            elif c.responded - n_observed < suppressed[unknown].sum():
                entry["note"] = "not applied: more forces printed a suppressed count than responded"
            else:
                # a force that printed a suppressed count responded; the other responders are drawn
                must = suppressed[unknown]
                k = c.responded - n_observed  # responders among the forces without a figure
                others = np.flatnonzero(~must)
                order = np.argsort(rng.random((draws, len(others))), axis=1)
                picked = np.zeros((draws, len(others)), dtype=bool)
                np.put_along_axis(picked, order[:, :k - int(must.sum())], True, axis=1)
                chosen = np.zeros((draws, len(unknown)), dtype=bool)
                chosen[:, must] = True
                chosen[:, others] = picked
                block = simulated[:, column[unknown]]
                is_fixed = fixed[unknown][None, :]
                fixed_sum = (block * (chosen & is_fixed)).sum(axis=1)
                free = chosen & ~is_fixed
                free_sum = (block * free).sum(axis=1)
                target = remainder - fixed_sum
                short = target < 0
                scale = np.where(free_sum > 0, np.clip(target, 0, None) / np.where(free_sum > 0, free_sum, 1), 1.0)
                simulated[:, column[unknown]] = np.where(free, block * scale[:, None], block)
                for i in unknown:
                    touched[i].append(c.record_id)
                entry["applied"] = True
                entry["note"] = (f"{k} of the {len(unknown)} forces without a figure responded; their cells rescaled "
                                 f"to sum to {remainder:,.0f} in each draw")
                if short.any():
                    entry["note"] += (f"; in {short.mean():.1%} of draws the cumulative-constrained cells alone "
                                      "exceeded the remainder")
        log.append(entry)

    in_fit = cells["force"].isin(fit.forces).to_numpy()
    not_provided = (cells["status"] == "not_provided").to_numpy()
    method = np.where(cells["observed"], "observed",
                      np.where(~estimable, "not_estimable",
                               np.where(in_fit, "nb_prediction", "nb_prediction_pooled_force_effect")))
    method = np.where((method != "observed") & (method != "not_estimable") & not_provided,
                      np.char.add(method.astype(str), "; force gave no figure"), method)
    method = np.where((method != "not_estimable") & suppressed,
                      np.char.add(method.astype(str), "; within the suppressed bounds"), method)
    cells["method"] = method
    cells["constraints"] = [";".join(t) for t in touched]
    return Imputation(cells, simulated, pd.DataFrame(log))


def force_year_estimates(imp: Imputation) -> pd.DataFrame:
    cells = imp.cells
    observed = cells["observed"].to_numpy()
    lower, median, upper = np.full((3, len(cells)), np.nan)
    if (~observed).any():
        lower[~observed], median[~observed], upper[~observed] = np.quantile(imp.missing_draws, [LOWER, 0.5, UPPER],
                                                                            axis=0)
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
            lower, median, upper = np.quantile(total, [LOWER, 0.5, UPPER]) if estimable else (np.nan,) * 3
            rows.append({"series": series, "fiscal_year": format_fiscal_year(year), "geography": gid,
                         "forces": int(mask.sum()), "observed_forces": int(obs.sum()), "observed_sum": observed_sum,
                         "estimate": median, "lower_90": lower, "upper_90": upper,
                         "note": "" if estimable else "not estimable: no observed cell that year"})
            if estimable:
                draw_columns[f"{series}|{gid}|{format_fiscal_year(year)}"] = imputed_part
    return pd.DataFrame(rows), pd.DataFrame(draw_columns)


def leave_one_out_calibration(frame: pd.DataFrame, design: str, alpha_method: str, draws: int, seed: int,
                              level: float = LEVEL) -> pd.DataFrame:
    """Refit without each observed cell (re-estimating alpha) and check its prediction interval."""
    observed = frame[frame["observed"]].reset_index(drop=True)
    rng = np.random.default_rng(seed)
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    rows = []
    try:  # every refit starts from the fit to all cells, which differs from it by one cell
        full = fit_negative_binomial(observed, design=design, alpha_method=alpha_method, robust=False)
    except NotIdentifiedError:
        full = None
    for i, cell in observed.iterrows():
        rest = observed.drop(index=i)
        path = "force has other cells" if (rest["force"] == cell["force"]).any() else "force's only cell"
        row = {"series": cell["series"], "force": cell["force"], "fiscal_year": cell["fiscal_year"],
               "observed": cell["value"], "path": path}
        if not (rest["year"] == cell["year"]).any():
            rows.append({**row, "lower_90": np.nan, "upper_90": np.nan, "covered": pd.NA, "pit": np.nan,
                         "note": "year has no other observation: not estimable"})
            continue
        try:
            fit = fit_negative_binomial(rest, design=design, alpha_method=alpha_method, robust=False, near=full)
        except NotIdentifiedError:
            rows.append({**row, "lower_90": np.nan, "upper_90": np.nan, "covered": pd.NA, "pit": np.nan,
                         "note": "without this cell the model is not identified (a force and a year rest on one "
                                 "cell): not scored"})
            continue
        sims = simulate_counts(fit, [cell["force"]], [cell["year"]], [cell["log_population"]], draws, rng)[:, 0]
        lower, upper = np.quantile(sims, [lo_q, hi_q])
        y = cell["value"]
        pit = float((sims < y).mean() + 0.5 * (sims == y).mean())
        rows.append({**row, "lower_90": lower, "upper_90": upper, "covered": bool(lower <= y <= upper), "pit": pit,
                     "note": ""})
    out = pd.DataFrame(rows)
    out["covered"] = out["covered"].astype("boolean")
    return out


def calibration_summary(calibration: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for path, group in [("all cells", calibration)] + list(calibration.groupby("path")):
        scored = group.dropna(subset=["covered"])
        rows.append({"series": calibration["series"].iloc[0], "cells": path, "scored": len(scored),
                     "covered": int(scored["covered"].sum()),
                     "coverage": float(scored["covered"].mean()) if len(scored) else np.nan,
                     "nominal": LEVEL, "not_scored": len(group) - len(scored)})
    return pd.DataFrame(rows)
