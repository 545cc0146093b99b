"""The DAG builds under the cluster profiles (dry runs: no cluster is needed to check them), the profiles hold
what a site without an accounting database needs, and `.venv/bin/snakemake` runs notebook rules with no venv on
PATH. tests/test_real_slurm.py runs the SLURM profile on a real cluster."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import ROOT
from pipeline_helpers import copy_project, scheduled_jobs, snakemake, snakemake_env

HEAVY_RULES = {"impute_missing_cells", "check_calibration", "run_sensitivity"}


@pytest.fixture(scope="module")
def slurm_dry_run(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("slurm") / "project")
    dry = snakemake(project, "-n", "--workflow-profile", "profiles/slurm", cluster_plugins=True)
    assert dry.returncode == 0, (dry.stdout + dry.stderr)[-3000:]
    return project, dry


def test_the_slurm_profile_builds_the_whole_dag(slurm_dry_run):
    project, dry = slurm_dry_run
    jobs = scheduled_jobs(dry)
    assert jobs["run_sensitivity"] == 6 and jobs["all"] == 1
    assert jobs == scheduled_jobs(snakemake(project, "-n"))  # the same DAG as a local run


def local_rules() -> set[str]:
    """The rules the Snakefile's `localrules:` names."""
    block = re.search(r"^localrules:\n((?:    \w+,?\n)+)", (ROOT / "Snakefile").read_text(), re.MULTILINE)
    return set(re.findall(r"\w+", block.group(1)))


def job_outputs(dry) -> dict[str, set[str]]:
    """{rule: the files its jobs write} from a dry run (rules whose jobs write nothing are left out)."""
    outputs = {}
    for rule, files in re.findall(r"^rule (\w+):\n(?:    (?!output:).*\n)*    output: (.*)$", dry.stdout,
                                  re.MULTILINE):
        outputs.setdefault(rule, set()).update(files.split(", "))
    return outputs


def test_on_a_cluster_every_rule_that_writes_no_table_runs_on_the_submit_host(slurm_dry_run):
    """Figures, notebooks, reports and job descriptions take seconds; a queue and a job's start-up would
    only slow them down. Every table, and the fitted models the tables are computed from, on the cluster."""
    outputs = job_outputs(slurm_dry_run[1])
    # results/run/ holds the run's record (its configuration, its changes), written in a second, not a table;
    # results/models/ the fitted models and draws (fit_count_models writes no table but fits the models)
    writes_tables = {rule for rule, files in outputs.items()
                     if any((name.endswith(".csv") and "results/run/" not in name) or "results/models/" in name
                            for name in files)}
    assert "fit_count_models" in writes_tables
    assert HEAVY_RULES | {"clean_ledger", "check_claims"} <= writes_tables
    assert local_rules() == set(outputs) - writes_tables
    assert {rule for rule in outputs if rule.startswith(("notebook_", "plot_", "render_"))} <= local_rules()


def test_the_kubernetes_profile_builds_the_whole_dag_with_inputs_in_storage(tmp_path):
    project = copy_project(tmp_path / "kubernetes")
    storage = tmp_path / "storage"  # stands in for the bucket or shared volume the pods read
    storage.mkdir()
    for item in project.iterdir():  # every file a rule reads: code, data, config, the pins, the crate's metadata
        if item.name in {"results", ".snakemake"}:
            continue
        (shutil.copytree if item.is_dir() else shutil.copy2)(item, storage / item.name)
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
        # a whole block: `--default-resources` on the command line would replace all of it
        assert {"mem_mb", "cpus_per_task", "runtime"} <= set(profile["default-resources"]), name


def test_the_slurm_profile_works_without_an_accounting_database_or_a_site_account():
    """sacct needs slurmdbd, and without it the run waits forever; an account or partition that the site
    does not have stops every submission, so the profile names none (the site's defaults apply)."""
    profile = yaml.safe_load((ROOT / "profiles" / "slurm" / "config.yaml").read_text())
    assert profile["slurm-status-command"] == "squeue"
    # squeue forgets a finished job MinJobAge seconds (300 by default) after it ends; the plugin falls
    # back to sacct when MinJobAge is under three times this wait
    assert 3 * profile["slurm-init-seconds-before-status-checks"] < 300
    assert not {"slurm_account", "slurm_partition"} & set(profile["default-resources"])


def test_ordinary_runs_do_not_load_the_cluster_plugins():
    """Snakemake imports every executor plugin it can find at each start; the cluster ones stay
    out of the pipeline's environment so that a local dry run does not pay for them."""
    pins = {line.split("==")[0] for line in (ROOT / "requirements.txt").read_text().splitlines() if "==" in line}
    cluster = {line.split("==")[0] for line in (ROOT / "requirements-cluster.txt").read_text().splitlines()
               if "==" in line}
    assert {"snakemake-executor-plugin-slurm", "snakemake-executor-plugin-kubernetes"} <= cluster
    assert pins & cluster == set()
    assert "rfc3987-syntax" not in pins  # about three seconds of grammar compiling per notebook job


@pytest.mark.pipeline
def test_the_venvs_snakemake_runs_notebook_rules_with_no_venv_on_path(tmp_path):
    """`.venv/bin/snakemake`, as the README writes it, from a shell where nobody activated the venv (and so
    in a cluster job): notebook rules start jupyter from the shell."""
    project = copy_project(tmp_path / "project")
    env = {"PATH": os.pathsep.join(["/usr/bin", "/bin"]), "HOME": os.environ["HOME"],
           "PYTHONPATH": snakemake_env(project)["PYTHONPATH"]}
    assert shutil.which("jupyter-nbconvert", path=env["PATH"]) is None
    notebook = "results/notebooks/01-data-and-provenance.ipynb"
    run = subprocess.run(["timeout", "-k", "10", "300", str(Path(sys.executable).parent / "snakemake"), notebook],
                         cwd=project, env=env, capture_output=True, text=True)
    assert run.returncode == 0, (run.stdout + run.stderr)[-4000:]
    checksums = pd.read_csv(project / "results/tables/raw_data_checksums.csv", dtype=str)
    assert checksums["sha256_actual"].iloc[0] in (project / notebook).read_text()  # its cells ran, with its inputs
