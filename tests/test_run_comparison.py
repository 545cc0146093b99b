"""Comparing two runs: synthetic_* results folders made here, never real figures."""
import subprocess
import sys

import pandas as pd

from conftest import ROOT
from online_csa.report.run_comparison import compare_runs, markdown


def synthetic_results(root, verdict="reproduced", estimate=100.0, share=0.5, extra=False):
    (root / "tables").mkdir(parents=True)
    pd.DataFrame({"claim_id": ["A1", "B2"], "measure": ["m", "m"], "fiscal_year": ["2018/19", "2019/20"],
                  "geography": ["ew", "ew"], "published_value": [10, 20], "verdict": [verdict, "consistent"],
                  "reproduced_value": [10.0, 18.0]}).to_csv(root / "tables/claims.csv", index=False)
    pd.DataFrame({"series": ["s"], "fiscal_year": ["2018/19"], "geography": ["ew"], "estimate": [estimate],
                  "lower_90": [90.0], "upper_90": [120.0]}).to_csv(root / "tables/national_estimates.csv", index=False)
    pd.DataFrame({"scenario": ["baseline"], "claim_id": ["A1"], "threshold": [2.0],
                  "share_holding_adjusted": [share]}).to_csv(root / "tables/scenario_claim_support.csv", index=False)
    if extra:
        pd.DataFrame({"x": [1]}).to_csv(root / "tables/new.csv", index=False)
    return root


def test_identical_runs_show_nothing_moved(tmp_path):
    a, b = synthetic_results(tmp_path / "a"), synthetic_results(tmp_path / "b")
    result = compare_runs(a, b)
    assert set(result.tables["status"]) == {"identical"}
    assert result.verdicts.empty and result.totals.empty and result.claim_support.empty


def test_a_changed_verdict_total_share_and_a_new_table_are_each_reported(tmp_path):
    a = synthetic_results(tmp_path / "a")
    b = synthetic_results(tmp_path / "b", verdict="contradicted", estimate=150.0, share=0.25, extra=True)
    result = compare_runs(a, b)
    status = dict(zip(result.tables["table"], result.tables["status"]))
    assert status == {"tables/claims.csv": "differs", "tables/national_estimates.csv": "differs",
                      "tables/scenario_claim_support.csv": "differs", "tables/new.csv": "only in second"}
    assert result.tables.set_index("table").loc["tables/claims.csv", "changed_rows"] == 1
    assert result.verdicts[["claim_id", "verdict_first", "verdict_second"]].values.tolist() == [
        ["A1", "reproduced", "contradicted"]]
    assert result.totals[["estimate_first", "estimate_second"]].values.tolist() == [[100.0, 150.0]]
    assert result.claim_support[["adjusted_first", "adjusted_second"]].values.tolist() == [[0.5, 0.25]]
    text = markdown(result, "a", "b")
    assert "| A1 | m | 2018/19 | 10 | reproduced → contradicted | 10 → 10 |" in text
    assert "| s | 2018/19 | ew | 100 [90–120] | 150 [90–120] |" in text


def test_the_command_exits_1_when_something_differs_and_2_on_a_folder_that_is_not_a_run(tmp_path):
    a = synthetic_results(tmp_path / "a")
    b = synthetic_results(tmp_path / "b", verdict="contradicted")
    tool = [sys.executable, str(ROOT / "tools/compare_runs.py")]
    same = subprocess.run(tool + [str(a), str(a)], capture_output=True, text=True)
    assert same.returncode == 0 and "Claim verdicts that changed (0)" in same.stdout
    differs = subprocess.run(tool + [str(a), str(b)], capture_output=True, text=True)
    assert differs.returncode == 1 and "reproduced → contradicted" in differs.stdout
    bad = subprocess.run(tool + [str(a), str(tmp_path)], capture_output=True, text=True)
    assert bad.returncode == 2 and "has no tables/ subfolder" in bad.stderr
