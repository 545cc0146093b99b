"""The DAG builds under the cluster profiles (dry runs: no cluster is needed to check them)."""
import shutil

import yaml

from conftest import ROOT
from pipeline_helpers import copy_project, scheduled_jobs, snakemake

HEAVY_RULES = {"impute_missing_cells", "check_calibration", "run_sensitivity"}


def test_the_slurm_profile_builds_the_whole_dag(tmp_path):
    project = copy_project(tmp_path / "slurm")
    dry = snakemake(project, "-n", "--workflow-profile", "profiles/slurm", cluster_plugins=True)
    assert dry.returncode == 0, (dry.stdout + dry.stderr)[-3000:]
    jobs = scheduled_jobs(dry)
    assert jobs["run_sensitivity"] == 6 and jobs["all"] == 1
    assert jobs == scheduled_jobs(snakemake(project, "-n"))  # the same DAG as a local run


def test_the_kubernetes_profile_builds_the_whole_dag_with_inputs_in_storage(tmp_path):
    project = copy_project(tmp_path / "kubernetes")
    storage = tmp_path / "storage"  # stands in for the bucket or shared volume the pods read
    for folder in ("data", "workflow", "notebooks", "config"):
        shutil.copytree(project / folder, storage / folder)
    dry = snakemake(project, "-n", "--workflow-profile", "profiles/kubernetes", "--default-storage-provider", "fs",
                    "--default-storage-prefix", str(storage), cluster_plugins=True)
    assert dry.returncode == 0, (dry.stdout + dry.stderr)[-3000:]
    assert scheduled_jobs(dry)["run_sensitivity"] == 6


def test_each_cluster_profile_gives_the_heavy_rules_their_own_resources():
    for name in ("slurm", "kubernetes"):
        profile = yaml.safe_load((ROOT / "profiles" / name / "config.yaml").read_text())
        assert HEAVY_RULES <= set(profile["set-resources"]), name
        assert all(profile["set-resources"][rule]["mem_mb"] >= 4000 for rule in HEAVY_RULES)
        assert profile["rerun-incomplete"] is True


def test_ordinary_runs_do_not_load_the_cluster_plugins():
    """Snakemake imports every executor plugin it can find at each start; the cluster ones stay
    out of the pipeline's environment so that a local dry run does not pay for them."""
    pins = {line.split("==")[0] for line in (ROOT / "requirements.txt").read_text().splitlines() if "==" in line}
    cluster = {line.split("==")[0] for line in (ROOT / "requirements-cluster.txt").read_text().splitlines()
               if "==" in line}
    assert {"snakemake-executor-plugin-slurm", "snakemake-executor-plugin-kubernetes"} <= cluster
    assert pins & cluster == set()
    assert "rfc3987-syntax" not in pins  # about three seconds of grammar compiling per notebook job
