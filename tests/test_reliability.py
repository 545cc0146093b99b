"""Faults and new data on the real pipeline: a run killed mid-stage restarts cleanly, and a new
release added as data/README.md says flows through to the panel, the claims and the report."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from pipeline_helpers import append_rows, comparable_outputs, copy_project, register_checksum, snakemake

pytestmark = pytest.mark.pipeline


def test_a_run_killed_mid_stage_restarts_and_ends_byte_identical(pipeline_run, tmp_path):
    project = copy_project(tmp_path / "killed")
    env = dict(os.environ, PYTHONPATH=str(project / "workflow"),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    process = subprocess.Popen([sys.executable, "-m", "snakemake", "--cores", "1"], cwd=project, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    started = project / "results/logs/run_sensitivity"
    deadline = time.time() + 600
    while not (started.exists() and any(started.iterdir())) and time.time() < deadline:
        assert process.poll() is None, "the run ended before the sensitivity stage began"
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)  # mid-stage: a sensitivity job is running
    process.wait()
    assert not (project / "results/report/report.html").exists()
    # a killed run leaves its lock: the next run says so and how to clear it (README: "a killed run")
    locked = snakemake(project, "--cores", "2")
    assert locked.returncode != 0 and "--unlock" in locked.stdout + locked.stderr
    assert snakemake(project, "--unlock").returncode == 0
    again = snakemake(project, "--cores", "2")  # the default profile sets rerun-incomplete
    assert again.returncode == 0, again.stderr[-3000:]
    first, restarted = comparable_outputs(pipeline_run), comparable_outputs(project)
    assert set(first) == set(restarted)
    assert [name for name in first if first[name] != restarted[name]] == []


def test_a_new_release_added_as_documented_flows_through_with_no_code_change(tmp_path):
    project = copy_project(tmp_path / "new_release")
    # a synthetic release for a year the ledger does not hold yet (record ids F9xxx/N9xxx: test data)
    append_rows(project / "data/raw/force_figures.csv", [
        "F9001,Norfolk,England,2023/24,online_child_sexual_offences,321,,https://example.invalid/synthetic-release,"
        "Synthetic test release,2024-09",
        "F9002,Suffolk,England,2023/24,online_child_sexual_offences,*,,https://example.invalid/synthetic-release,"
        "Synthetic test release,2024-09",
    ])
    append_rows(project / "data/raw/national_figures.csv", [
        "N9001,2024-09,2023/24,England and Wales,online_child_sexual_offences,12345,,,"
        "https://example.invalid/synthetic-release",
    ])
    for relative in ("data/raw/force_figures.csv", "data/raw/national_figures.csv"):
        register_checksum(project, relative)
    result = snakemake(project, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    panel = pd.read_csv(project / "results/tables/panel.csv", dtype={"record_ids": str}).set_index(
        ["series", "force", "fiscal_year"])
    norfolk = panel.loc[("online_child_sexual_offences", "Norfolk", "2023/24")]
    assert (norfolk["value"], norfolk["status"], norfolk["record_ids"]) == (321, "observed", "F9001")
    suffolk = panel.loc[("online_child_sexual_offences", "Suffolk", "2023/24")]
    assert (suffolk["status"], suffolk["lower"], suffolk["upper"]) == ("suppressed", 1, 4)
    claims = pd.read_csv(project / "results/tables/claims.csv", dtype=str).set_index("claim_id")
    assert claims.loc["N9001", "published_value"] == "12345"
    assert claims.loc["N9001", "verdict"] in {"not_reproducible", "contradicted", "consistent"}
    html = (project / "results/report/report.html").read_text()
    assert "F9001" in html and "N9001" in html and "https://example.invalid/synthetic-release" in html
    estimates = pd.read_csv(project / "results/tables/force_year_estimates.csv")
    cell = estimates[(estimates["force"] == "Suffolk") & (estimates["fiscal_year"] == "2023/24")
                     & (estimates["series"] == "online_child_sexual_offences")].iloc[0]
    assert 1 <= cell["lower_90"] <= cell["upper_90"] <= 4  # imputed inside the suppressed bounds
    assert cell["record_ids"] == "F9002"  # and citing the record that bounds it
