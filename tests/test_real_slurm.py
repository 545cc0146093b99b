"""The pipeline through a real SLURM, as a cluster user runs it: `.venv/bin/snakemake --workflow-profile
profiles/slurm` with the venv not on PATH, jobs submitted with sbatch and followed with squeue, on a one-node
cluster that tools/one_node_slurm.sh installs and starts (no accounting database, as at many sites). The outputs
must be those of a local run of the same targets, byte for byte.

With ONLINE_CSA_TEST_SLURM=site the test uses the cluster that this machine's SLURM commands reach instead (see
the README's cluster section); the project copies must then be on a file system the nodes share (--basetemp)."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from pipeline_helpers import comparable_outputs, copy_project, snakemake_env

pytestmark = pytest.mark.pipeline

# claims.csv and what it needs run through sbatch; one chapter and the figure it draws (a local rule) on this host
TARGETS = ["results/tables/claims.csv", "results/figures/claim_verdicts.png", "results/notebooks/03-claims.ipynb"]
SUBMITTED_RULES = {"verify_raw_data", "clean_ledger", "check_claims"}
LOCAL_RULES = {"notebook_claims"}
SITE_CLUSTER = os.environ.get("ONLINE_CSA_TEST_SLURM") == "site"
SKIP_STATUS = 77  # tools/one_node_slurm.sh: SLURM cannot run on this machine


def hard_timeout(seconds: int) -> list[str]:
    """A prefix that ends a command after seconds, and kills it 10 seconds later if it has not stopped."""
    return ["timeout", "-k", "10", str(seconds)]


@pytest.fixture(scope="module")
def slurm_env(tmp_path_factory):
    """The environment variables that point SLURM's commands at the cluster under test."""
    if SITE_CLUSTER:
        yield {}
        return
    cluster = tmp_path_factory.mktemp("one_node_slurm")
    script = str(ROOT / "tools" / "one_node_slurm.sh")
    start = subprocess.run([*hard_timeout(300), script, "start", str(cluster)], capture_output=True, text=True)
    if start.returncode == SKIP_STATUS:
        pytest.skip(start.stderr.strip().splitlines()[-1])
    try:
        assert start.returncode == 0, (start.stdout + start.stderr)[-4000:]
        yield {"SLURM_CONF": str(cluster / "slurm.conf")}
    finally:
        subprocess.run([*hard_timeout(120), script, "stop", str(cluster)], capture_output=True)


def without_the_venv_on_path(env: dict[str, str]) -> dict[str, str]:
    """env with this venv's bin taken off PATH, as in a shell where nobody activated it."""
    venv_bin = str(Path(sys.executable).parent)
    return dict(env, PATH=os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != venv_bin))


def rules_run(output: str, kind: str) -> set[str]:
    """The rules of the jobs Snakemake reports starting as kind ("rule" for the executor's, "localrule")."""
    return set(re.findall(rf"^{kind} (\w+):$", output, flags=re.MULTILINE))


def test_the_slurm_profile_runs_jobs_through_sbatch_with_the_outputs_of_a_local_run(slurm_env, tmp_path):
    on_slurm = copy_project(tmp_path / "on_slurm")
    env = without_the_venv_on_path(dict(snakemake_env(on_slurm, cluster_plugins=True), **slurm_env))
    run = subprocess.run([*hard_timeout(600), str(Path(sys.executable).parent / "snakemake"),
                          "--workflow-profile", "profiles/slurm", *TARGETS],
                         cwd=on_slurm, env=env, capture_output=True, text=True)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-6000:]
    assert len(re.findall(r"has been submitted with SLURM jobid \d+", output)) == len(SUBMITTED_RULES), output[-6000:]
    assert rules_run(output, "rule") == SUBMITTED_RULES
    assert rules_run(output, "localrule") == LOCAL_RULES

    local = copy_project(tmp_path / "local")
    local_run = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2", *TARGETS], cwd=local,
                               env=snakemake_env(local), capture_output=True, text=True, timeout=600)
    assert local_run.returncode == 0, local_run.stderr[-4000:]
    expected, got = comparable_outputs(local), comparable_outputs(on_slurm)
    assert {"results/tables/claims.csv", "results/figures/claim_verdicts.png"} <= set(expected)
    assert set(got) == set(expected)
    assert [name for name in expected if got[name] != expected[name]] == []
    assert (on_slurm / TARGETS[-1]).stat().st_size > 0


@pytest.mark.skipif(SITE_CLUSTER, reason="the one-node cluster only")
def test_the_one_node_cluster_has_no_accounting_so_sacct_cannot_follow_jobs(slurm_env):
    """What the profile's squeue status command is for: without slurmdbd, sacct reports no job."""
    sacct = subprocess.run([*hard_timeout(30), "sacct", "-X", "--noheader"], env=dict(os.environ, **slurm_env),
                           capture_output=True, text=True)
    assert "accounting storage is disabled" in sacct.stdout + sacct.stderr
