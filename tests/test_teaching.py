"""What the chapters teach with: the "try it" recomputation of the sensitivity stage, the simulated
count model of chapter 04 (synthetic data), and the warning a notebook run by hand gives when the
configuration changed after the last run."""
import io
import json
import os
import time
import warnings

import numpy as np
import pandas as pd
import pytest

from online_csa.report import simulated_count_model as demo
from online_csa.rule_support.pipeline_job import StaleResultsWarning, job_from_file
from online_csa.sensitivity.monte_carlo import REQUIRED, run_sensitivity
from online_csa.sensitivity.distributions import parse_assumptions
from online_csa.sensitivity.recorded_totals import RecordedTotals
from online_csa.sensitivity.trend_claims import Threshold, TrendClaim
from online_csa.sensitivity.try_assumptions import (MonteCarloSetting, beside, matches_stored, per_year, recompute,
                                                    with_changes)

SPECS = {"flag_completeness": {"dist": "uniform", "low": 0.5, "high": 1.0},
         "flag_completeness_ratio_per_year": {"dist": "uniform", "low": 0.79, "high": 1.0},
         "recording_compliance": {"dist": "beta", "mean": 0.85, "low": 0.74, "high": 0.91},
         "recording_compliance_ratio_per_year": {"dist": "uniform", "low": 0.93, "high": 1.0},
         "reporting_rate": {"dist": "lognormal", "median": 0.125, "low": 0.07, "high": 0.18},
         "reporting_rate_ratio_per_year": {"dist": "fixed", "value": 1.0},
         "nonresponse_multiplier": {"dist": "lognormal", "median": 1.0, "low": 0.67, "high": 1.5},
         "s15a_flagged_share": {"dist": "uniform", "low": 0.8, "high": 1.0}}
CORRELATIONS = ({"a": "flag_completeness", "b": "s15a_flagged_share", "rho": 0.7},)
CLAIM = TrendClaim("SYN01_doubling", "synthetic doubling", "2015/16", "2018/19", 4000.0, 8000.0, "N0001, N0002",
                   (Threshold(1.0, "any rise"), Threshold(2.0, "doubling")))
RATIO = "adjusted ratio 2018/19 vs 2015/16"


def synthetic_setting(draws=4000):
    """Made-up recorded totals with spread in the imputed part, and the synthetic claim."""
    rng = np.random.default_rng(5)
    totals = RecordedTotals({"2015/16": 3000.0, "2018/19": 6000.0},
                            {"2015/16": 1000 + 80 * rng.normal(size=300), "2018/19": 2000 + 150 * rng.normal(size=300)},
                            {"2015/16": 0.0, "2018/19": 2500.0})
    return MonteCarloSetting(totals, (CLAIM,), SPECS, True, draws, 11, CORRELATIONS)


def median(recomputed, metric):
    return recomputed.metrics.set_index("metric").loc[metric, "median"]


def test_with_no_change_the_recomputation_is_the_sensitivity_stages_joint_rows():
    setting = synthetic_setting()
    stored = run_sensitivity(setting.totals, [CLAIM], parse_assumptions(SPECS), True, setting.draws, setting.seed,
                             list(CORRELATIONS))
    # through the CSV, as a chapter reads it (six significant figures)
    stored = pd.read_csv(io.StringIO(stored.to_csv(index=False, float_format="%.6g")))
    check = matches_stored(recompute(setting), stored)
    assert len(check) == 7 and check["matches"].all()
    other_seed = matches_stored(recompute(with_changes(setting, seed=12)), stored)
    assert not other_seed["matches"].all()


def test_halving_the_earlier_years_flag_completeness_halves_the_adjusted_ratio_exactly():
    setting = synthetic_setting()
    span = CLAIM.span_years
    fixed = {"flag_completeness_ratio_per_year": {"dist": "fixed", "value": 0.95}}
    halved = {"flag_completeness_ratio_per_year": {"dist": "fixed", "value": 0.95 * per_year(0.5, span)}}
    before, after = recompute(with_changes(setting, fixed)), recompute(with_changes(setting, halved))
    assert median(after, RATIO) == pytest.approx(0.5 * median(before, RATIO), rel=1e-12)
    # the recorded ratio and the later year's adjusted total do not depend on the ratio assumption
    for metric in ("recorded ratio 2018/19 vs 2015/16", "adjusted total 2018/19 (SYN01, later year)"):
        assert median(after, metric) == median(before, metric)


def test_every_assumption_fixed_gives_the_published_arithmetic():
    fixed = {name: {"dist": "fixed", "value": 1.0} for name in REQUIRED}
    fixed["flag_completeness_ratio_per_year"] = {"dist": "fixed", "value": per_year(0.9, 3)}
    setting = MonteCarloSetting(RecordedTotals({"2015/16": 4042.0, "2018/19": 8224.0},
                                               {"2015/16": np.zeros(5), "2018/19": np.zeros(5)}, {}),
                                (CLAIM,), fixed, True, 100, 1)
    result = recompute(setting)
    assert median(result, RATIO) == pytest.approx(8224 / 4042 * 0.9, rel=1e-12)
    support = result.claim_support.set_index("threshold_meaning")["share_holding_adjusted"]
    assert support["any rise"] == 1.0 and support["doubling"] == 0.0  # 1.83 < 2


def test_s15a_scope_and_draws_can_be_changed_and_an_unknown_assumption_is_refused():
    setting = synthetic_setting()
    out_of_scope = recompute(with_changes(setting, include_s15a=False, draws=500))
    assert len(out_of_scope.draws[RATIO]) == 500
    assert median(out_of_scope, "recorded total 2018/19") < median(recompute(setting), "recorded total 2018/19")
    with pytest.raises(KeyError, match="unknown assumption flag_completness"):
        with_changes(setting, {"flag_completness": {"dist": "fixed", "value": 1.0}})


def test_per_year_compounds_back_to_the_ratio_over_the_span():
    assert per_year(0.5, 3) ** 3 == pytest.approx(0.5, rel=1e-15)
    assert per_year(0.9, 1) == 0.9


def test_the_simulated_count_model_recovers_the_known_growth_and_its_prediction_interval_is_wider():
    truth = demo.SyntheticTruth()
    panel = demo.synthetic_count_panel(truth)
    assert panel["force"].str.startswith("synthetic_").all() and len(panel) == truth.forces * truth.years
    fit = demo.fit_count_model(panel, demo.alpha_by_pearson(panel))
    assert fit.yearly_growth == pytest.approx(truth.yearly_growth, rel=0.05)
    cell = panel.iloc[0]
    intervals = demo.one_cell_intervals(fit, cell["force"], cell["year"], cell["population"], draws=4000)
    assert intervals["count_lower_90"] < intervals["mean_lower_90"] < intervals["estimated_mean"]
    assert intervals["estimated_mean"] < intervals["mean_upper_90"] < intervals["count_upper_90"]
    residuals = demo.pearson_residuals(fit, panel)
    assert abs(residuals["pearson_residual"].mean()) < 0.2 and 0.7 < residuals["pearson_residual"].std() < 1.3


def test_maximum_likelihood_understates_alpha_when_most_forces_have_one_year():
    panel = demo.synthetic_count_panel()
    thin = demo.one_year_for_most_forces(panel, whole_forces=6)
    assert thin["force"].nunique() == panel["force"].nunique() and len(thin) == 6 * 6 + 18
    assert demo.alpha_by_maximum_likelihood(thin) < demo.alpha_by_pearson(thin)


def test_draws_given_a_total_sum_to_it_exactly_while_each_cell_varies():
    draws = demo.draws_given_total(np.array([10.0, 20.0, 30.0]), alpha=0.2, total=90, draws=2000)
    assert (draws.sum(axis=1) == 90).all()
    assert (draws.std(axis=0) > 1).all()
    assert draws.mean(axis=0) == pytest.approx([15, 30, 45], rel=0.1)


def test_a_notebook_by_hand_warns_when_the_configuration_changed_after_the_last_run(tmp_path):
    (tmp_path / "config/scenarios").mkdir(parents=True)
    (tmp_path / "results/notebooks").mkdir(parents=True)
    jobs = tmp_path / "results/notebooks/jobs.json"
    jobs.write_text(json.dumps({"notebook_synthetic": {"input": {}, "params": {}}}))
    scenario = tmp_path / "config/scenarios/synthetic.yaml"
    scenario.write_text("description: synthetic\n")
    past = time.time() - 100
    os.utime(scenario, (past, past))
    with warnings.catch_warnings():
        warnings.simplefilter("error", StaleResultsWarning)
        job_from_file("notebook_synthetic", tmp_path)
    os.utime(scenario, (past + 200, past + 200))
    with pytest.warns(StaleResultsWarning, match="config/scenarios/synthetic.yaml changed after the last"):
        job_from_file("notebook_synthetic", tmp_path)


def test_beside_puts_the_tried_numbers_next_to_the_runs():
    setting = synthetic_setting(draws=1000)
    halved = {"flag_completeness_ratio_per_year": {"dist": "fixed", "value": 0.5}}
    metrics, support = beside(recompute(setting), recompute(with_changes(setting, halved)))
    row = metrics.set_index("metric").loc["recorded ratio 2018/19 vs 2015/16"]
    assert row["tried_over_as_run"] == 1.0 and row["median_tried"] == row["median_as_run"]
    assert metrics.set_index("metric").loc[RATIO, "tried_over_as_run"] < 0.5
    assert list(support["threshold_meaning"]) == ["any rise", "doubling"]
    assert (support["share_holding_adjusted_tried"] <= support["share_holding_adjusted_as_run"]).all()


# --- on the real run: each chapter executes by hand, and its "try it" cell moves the numbers as the arithmetic says


def executed(root, notebook: str, edits: dict[str, str] | None = None):
    """A chapter executed by hand against the run in `root`, its "try it" cell edited first."""
    import nbformat
    from nbclient import NotebookClient

    path = root / "notebooks" / notebook
    nb = nbformat.read(path, as_version=4)
    if edits:
        cell = next(c for c in nb.cells if "try_it" in c.metadata.get("tags", []))
        for old, new in edits.items():
            assert old in cell.source, old
            cell.source = cell.source.replace(old, new)
    env_before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(root / "workflow")
    try:
        NotebookClient(nb, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        if env_before is None:
            os.environ.pop("PYTHONPATH")
        else:
            os.environ["PYTHONPATH"] = env_before
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors[0]["evalue"] if errors else ""
    return nb


def shown_table(nb, caption_start: str) -> pd.DataFrame:
    """A table a chapter displayed, by the start of its caption, from the data the PDF is made from."""
    from online_csa.report.narrative import TABLE_MIMETYPE

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get(TABLE_MIMETYPE)
            if data and data["caption"].startswith(caption_start):
                frame = pd.DataFrame(data["rows"], columns=data["columns"])
                for column in frame.columns:
                    numbers = pd.to_numeric(frame[column], errors="coerce")
                    if numbers.notna().all():
                        frame[column] = numbers
                return frame
    raise AssertionError(f"no table captioned {caption_start!r}")


def check_the_try_it_cells(root):
    """05: fixing the flag-completeness ratio, then halving the earlier year's completeness against
    the later year's, multiplies the doubling's adjusted ratio by exactly 0.5 (the other assumptions
    still drawn from their own streams) and leaves the recorded ratio alone. 06: starting from a
    scenario with no change gives that scenario's stored claim support."""
    change = 'changes = {"flag_completeness_ratio_per_year": {"dist": "fixed", "value": %s},'
    tried = {}
    for name, value in (("fixed", "0.95"), ("halved", "0.95 * per_year(0.5, span)")):
        nb = executed(root, "05-sensitivity.ipynb", {"changes = {": change % value})
        tried[name] = shown_table(nb, "Headline metrics as the pipeline ran them").set_index("metric")
    ratio, recorded = "adjusted ratio 2018/19 vs 2015/16", "recorded ratio 2018/19 vs 2015/16"
    assert tried["halved"].loc[ratio, "median_tried"] == pytest.approx(0.5 * tried["fixed"].loc[ratio, "median_tried"],
                                                                     rel=1e-5)  # six significant figures shown
    assert tried["halved"].loc[recorded, "median_tried"] == tried["fixed"].loc[recorded, "median_tried"]
    stored = pd.read_csv(root / "results/scenarios/baseline/sensitivity.csv")
    stored = stored[stored["variant"] == "all assumptions drawn"].set_index("metric")
    assert tried["fixed"].loc[ratio, "median_as_run"] == pytest.approx(stored.loc[ratio, "median"], rel=1e-5)

    nb = executed(root, "06-scenarios.ipynb", {'start_from = "baseline"': 'start_from = "nspcc_reading"'})
    mine = shown_table(nb, "Share of draws in which each claim holds").set_index(["claim_id", "threshold"])
    scenario = pd.read_csv(root / "results/tables/scenario_claim_support.csv")
    scenario = scenario[scenario["scenario"] == "nspcc_reading"].set_index(["claim_id", "threshold"])
    assert len(mine) == len(scenario) > 0
    for key, row in scenario.iterrows():
        assert mine.loc[key, "share_holding_adjusted_tried"] == pytest.approx(row["share_holding_adjusted"], abs=1e-9)


@pytest.mark.pipeline
def test_each_try_it_cell_moves_the_numbers_as_the_arithmetic_says(pipeline_run):
    check_the_try_it_cells(pipeline_run)
