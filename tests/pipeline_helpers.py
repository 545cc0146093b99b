"""Running Snakemake on a temporary copy of the project (used by the pipeline tests)."""
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

from conftest import ROOT

# what a clone holds that a run reads (the run's RO-Crate packages the documentation too)
COPY = ["Snakefile", "workflow", "notebooks", "config", "data", "profiles", "environment.yml", "requirements.txt",
        "README.md", "CITATION.cff", "LICENSE", "docs"]


def copy_project(workdir: Path) -> Path:
    """The project's sources (not results/ or .snakemake/) in workdir: a clean tree."""
    workdir.mkdir(parents=True, exist_ok=True)
    for name in COPY:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, workdir / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, workdir / name)
    return workdir


# The pinned executor plugins of requirements-cluster.txt, installed here by
# `tools/bootstrap_venv.sh --with-cluster-plugins` (run_tests.sh does it), outside the venv's
# site-packages so that ordinary runs do not pay for importing them.
CLUSTER_PLUGINS = ROOT / ".venv" / "cluster-plugins"


def snakemake_env(workdir: Path, cluster_plugins: bool = False) -> dict[str, str]:
    """The environment Snakemake runs in: this venv first on PATH, the copy's package importable;
    with cluster_plugins, the SLURM and Kubernetes executors importable too."""
    paths = [workdir / "workflow"]
    if cluster_plugins:
        if not (CLUSTER_PLUGINS / "snakemake_executor_plugin_slurm").is_dir():
            raise RuntimeError(f"the cluster executor plugins are not installed in {CLUSTER_PLUGINS}: run "
                               "./run_tests.sh, or `source tools/bootstrap_venv.sh --with-cluster-plugins`")
        paths.append(CLUSTER_PLUGINS)
    return dict(os.environ, PYTHONPATH=os.pathsep.join(map(str, paths)),
                PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def snakemake(workdir: Path, *args: str, cluster_plugins: bool = False) -> subprocess.CompletedProcess:
    """Snakemake run in workdir (see snakemake_env)."""
    return subprocess.run([sys.executable, "-m", "snakemake", *args], cwd=workdir,
                          env=snakemake_env(workdir, cluster_plugins), capture_output=True, text=True, timeout=900)


def scheduled_jobs(result: subprocess.CompletedProcess) -> dict[str, int]:
    """{rule: number of jobs} from the 'Job stats' table of a dry run."""
    text = result.stdout + result.stderr
    if "Nothing to be done" in text:
        return {}
    table = text.split("Job stats:", 1)[1].split("\n\n", 1)[0]
    jobs = {}
    for line in table.splitlines()[3:]:
        parts = line.split()
        if len(parts) == 2 and parts[0] != "total" and parts[1].isdigit():
            jobs[parts[0]] = int(parts[1])
    return jobs


def comparable_outputs(root: Path) -> dict[str, bytes]:
    """Every table, figure and report the pipeline writes (not logs, not executed notebooks,
    which record timings)."""
    files = {}
    for pattern in ["results/tables/*.csv", "results/scenarios/*/*.csv", "results/interim/*.csv",
                    "results/models/*.csv", "results/figures/*.png", "results/report/report.html",
                    "results/report/explorer.html",
                    "results/report/report.pdf", "results/notebooks/jobs.json",
                    "results/scripts/jobs.json"]:
        for path in sorted(root.glob(pattern)):
            files[str(path.relative_to(root))] = path.read_bytes()
    return files


def append_rows(path: Path, rows: list[str]) -> None:
    text = path.read_text()
    path.write_text(text + ("" if text.endswith("\n") else "\n") + "\n".join(rows) + "\n")


def register_checksum(project: Path, relative: str) -> None:
    """Step 2 of data/README.md: the new sha256 and record count in data/sources.csv."""
    registry = pd.read_csv(project / "data/sources.csv", dtype=str, keep_default_na=False)
    path = project / relative
    row = registry["file"] == relative
    registry.loc[row, "sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    registry.loc[row, "records"] = str(len(pd.read_csv(path, dtype=str)))
    registry.to_csv(project / "data/sources.csv", index=False, lineterminator="\n")
