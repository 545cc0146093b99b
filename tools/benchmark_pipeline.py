"""Time the pipeline as a reviewer meets it, in a clean temporary copy (a benchmark, not a test).

    .venv/bin/python tools/benchmark_pipeline.py [--cores N] [--keep-cold-results DIR]

Prints, in seconds, with the peak memory of the largest single process (Snakemake or one of
its jobs): the cold run of the whole DAG, a no-op dry run, the rerun after one assumption
changes on the command line, and the rerun after one scenario file is edited. Each is also
given as a ratio to the floor: the time one process takes to import pandas, statsmodels,
seaborn and matplotlib, measured (best of three) before the first run and after each, each run's
ratio to the mean of the floors just before and after it, so that the ratios compare runs made on
machines, or under loads, of different speed (on a shared machine the floor itself moves by a
quarter within minutes). The performance budget (issue 14) is a cold run of at most 13 floors,
a rerun after one assumption of at most 4, and a no-op dry run of at most 1.5 s; beside the dry
run, that of a one-rule workflow in the same venv (best of three, after the runs), which is what
Snakemake's own start costs here. Then every job of each run with its time (from Snakemake's
metadata: from the job's start to its outputs' completion). `--keep-cold-results DIR` copies
the cold run's results/ to DIR, to compare with another run (tools/compare_runs.py).
"""
import argparse
import base64
import json
import shutil
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

FLOOR_IMPORTS = "import pandas, statsmodels.api, seaborn, matplotlib.pyplot"
BUDGET = {"cold": 13.0, "assumption": 4.0}  # in floors
DRY_RUN_BUDGET_SECONDS = 1.5


def floor_seconds(repeats: int = 3) -> float:
    """The fastest of `repeats` fresh processes importing pandas, statsmodels, seaborn and matplotlib."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", FLOOR_IMPORTS], check=True)
        times.append(time.perf_counter() - start)
    return min(times)


ONE_RULE_WORKFLOW = 'rule all:\n    output: "done"\n    shell: "touch {output}"\n'


def one_rule_dry_run_seconds(repeats: int = 3) -> float:
    """The fastest of `repeats` no-op dry runs of a one-rule workflow in this venv: what Snakemake's own start costs
    here (its imports and plugin scan), beside which the pipeline's dry run is read."""
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "Snakefile").write_text(ONE_RULE_WORKFLOW)
        (Path(tmp) / "done").touch()
        for _ in range(repeats):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "snakemake", "-n", "--quiet", "--cores", "1"], cwd=tmp, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
    return min(times)


def timed(workdir, *args):
    """Seconds and peak memory (MB) of one Snakemake call in workdir."""
    wrapper = subprocess.run([sys.executable, "-c", PEAK_MEMORY_WRAPPER, sys.executable, "-m", "snakemake", *args],
                             cwd=workdir, env=snakemake_env(workdir), capture_output=True, text=True, check=True)
    result = json.loads(wrapper.stdout)
    if result["returncode"] != 0:
        sys.exit(f"snakemake {' '.join(args)} failed:\n{result['stderr']}")
    return result["seconds"], result["peak_mb"]


def job_times(workdir: Path, since: float) -> list[tuple[str, float, float]]:
    """(job, start from the first job's start, seconds) of every job that finished after `since`
    (a Unix time), from Snakemake's record of each output (.snakemake/metadata)."""
    jobs = {}
    for record in (workdir / ".snakemake/metadata").rglob("*"):
        if not record.is_file():
            continue
        meta = json.loads(record.read_text())
        if not meta.get("starttime") or meta["endtime"] < since:
            continue
        output = base64.b64decode(record.name.replace("@", "/")).decode()
        key = meta.get("job_hash") or (meta["rule"], meta["starttime"])  # one job, several outputs
        label = meta["rule"]
        if "/scenarios/" in output:  # run_sensitivity: one job per scenario
            label += f"[{output.split('/scenarios/')[1].split('/')[0]}]"
        jobs[key] = (label, meta["starttime"], max(meta["endtime"], jobs.get(key, ("", 0, 0))[2]))
    if not jobs:
        return []
    first = min(start for _, start, _ in jobs.values())
    return sorted(((label, start - first, end - start) for label, start, end in jobs.values()), key=lambda j: j[1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cores", default="2")
    parser.add_argument("--keep-cold-results", type=Path, metavar="DIR")
    args = parser.parse_args()
    cores = args.cores
    change = ["--config", "assumptions={flag_completeness_ratio_per_year: {dist: fixed, value: 0.9}}"]
    floors = [floor_seconds()]
    rows, jobs_of_run = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        work = copy_project(Path(tmp) / "project")

        def run(key, what, *snakemake_args):
            since = time.time()
            seconds, peak = timed(work, *snakemake_args)
            floors.append(floor_seconds())  # after this run: with the one before it, this run's floor
            rows.append((key, what, seconds, peak, (floors[-2] + floors[-1]) / 2))
            if "-n" not in snakemake_args:
                jobs_of_run[what] = job_times(work, since)

        run("cold", "cold run, whole DAG", "--cores", cores)
        if args.keep_cold_results:
            shutil.copytree(work / "results", args.keep_cold_results, dirs_exist_ok=True)
        dry_runs = [timed(work, "-n") for _ in range(3)]
        rows.append(("dry", "no-op dry run (-n), best of 3", *min(dry_runs), floors[-1]))
        jobs = scheduled_jobs(snakemake(work, "-n", *change))
        run("assumption", f"rerun after one assumption changes ({sum(jobs.values())} jobs)", "--cores", cores, *change)
        scenario = work / "config/scenarios/low_reporting_rate.yaml"
        scenario.write_text(scenario.read_text().replace("median: 0.07", "median: 0.08"))
        jobs = scheduled_jobs(snakemake(work, "-n", *change))
        run("scenario", f"rerun after one scenario file is edited ({sum(jobs.values())} jobs)", "--cores", cores,
            *change)
    one_rule = one_rule_dry_run_seconds()
    print(f"floor: {FLOOR_IMPORTS!r} in one process, best of 3, measured before the first run and after each: "
          f"{', '.join(f'{f:.2f}' for f in floors)} s; each run's ratio is to the mean of the floors just before and "
          f"after it\n")
    print(f"{'what':<58} {'seconds':>8} {'floor':>6} {'floors':>7} {'budget':>12} {'peak MB':>8}")
    for key, what, seconds, peak, floor in rows:
        budget = (f"<= {BUDGET[key]:g} floors" if key in BUDGET else
                  f"<= {DRY_RUN_BUDGET_SECONDS:g} s" if key == "dry" else "")
        print(f"{what:<58} {seconds:8.1f} {floor:6.2f} {seconds / floor:7.1f} {budget:>12} {peak:8.0f}")
    print(f"{'  beside: no-op dry run of a one-rule workflow (best of 3)':<58} {one_rule:8.1f}")
    for what, jobs in jobs_of_run.items():
        print(f"\n{what}: {len(jobs)} jobs (start, seconds)")
        for label, start, seconds in jobs:
            print(f"  {label:<48} {start:6.1f} {seconds:6.1f}")
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    print(f"\n(commit {git.strip()}, --cores {cores})")


if __name__ == "__main__":
    main()
