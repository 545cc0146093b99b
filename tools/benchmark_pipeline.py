"""Time the pipeline as a reviewer meets it, in a clean temporary copy (a benchmark, not a test).

    .venv/bin/python tools/benchmark_pipeline.py [--cores N]

Prints, in seconds, with the peak memory of the largest single process (Snakemake or one of
its jobs): the cold run of the whole DAG, a no-op dry run, the rerun after one assumption
changes on the command line, and the rerun after one scenario file is edited.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from pipeline_helpers import copy_project, scheduled_jobs, snakemake, snakemake_env  # noqa: E402


# Runs Snakemake in a child of its own, so that its peak memory (the largest resident set of it
# and every job process it waited for) is not mixed with the earlier measurements.
PEAK_MEMORY_WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
print(json.dumps({"seconds": time.perf_counter() - start, "returncode": code.returncode, "stderr": code.stderr[-3000:],
                  "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def timed(workdir, *args):
    """Seconds and peak memory (MB) of one Snakemake call in workdir."""
    wrapper = subprocess.run([sys.executable, "-c", PEAK_MEMORY_WRAPPER, sys.executable, "-m", "snakemake", *args],
                             cwd=workdir, env=snakemake_env(workdir), capture_output=True, text=True, check=True)
    result = json.loads(wrapper.stdout)
    if result["returncode"] != 0:
        sys.exit(f"snakemake {' '.join(args)} failed:\n{result['stderr']}")
    return result["seconds"], result["peak_mb"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cores", default="2")
    cores = parser.parse_args().cores
    change = ["--config", "assumptions={flag_completeness_ratio_per_year: {dist: fixed, value: 0.9}}"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = copy_project(Path(tmp) / "project")
        rows.append(("cold run, whole DAG", *timed(work, "--cores", cores)))
        rows.append(("no-op dry run (-n)", *timed(work, "-n")))
        jobs = scheduled_jobs(snakemake(work, "-n", *change))
        rows.append((f"rerun after one assumption changes ({sum(jobs.values())} jobs)", *timed(work, "--cores", cores,
                                                                                              *change)))
        scenario = work / "config/scenarios/low_reporting_rate.yaml"
        scenario.write_text(scenario.read_text().replace("median: 0.07", "median: 0.08"))
        jobs = scheduled_jobs(snakemake(work, "-n", *change))
        rows.append((f"rerun after one scenario file is edited ({sum(jobs.values())} jobs)",
                     *timed(work, "--cores", cores, *change)))
    print(f"{'what':<58} {'seconds':>8} {'peak MB':>8}")
    for what, seconds, peak in rows:
        print(f"{what:<58} {seconds:8.1f} {peak:8.0f}")
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    print(f"(commit {git.strip()}, --cores {cores})")


if __name__ == "__main__":
    main()
