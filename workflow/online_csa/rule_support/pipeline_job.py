"""Let a chapter notebook run both inside the pipeline and in a student's Jupyter session.

Inside the pipeline, Snakemake's `notebook:` directive injects a `snakemake` object with the
rule's inputs and params. Opened by hand in Jupyter there is no such object, so
`pipeline_job` builds the same thing from `results/notebooks/jobs.json`, which the pipeline
writes (rule `describe_notebook_jobs`): every chapter's input paths and params as the
last run used them. Paths are made absolute from the project root, so the notebook runs
from any working directory.
"""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

JOBS_FILE = Path("results/notebooks/jobs.json")


class Named(SimpleNamespace):
    """Attribute and item access, like Snakemake's input and params objects."""

    def __getitem__(self, key):
        return getattr(self, key)

    def keys(self):
        return vars(self).keys()


def project_root(start: Path | None = None) -> Path:
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "Snakefile").exists() and (folder / "workflow").is_dir():
            return folder
    raise FileNotFoundError(f"no Snakefile found in {here} or above: open the notebook from inside the project")


def _absolute(value, root: Path):
    if isinstance(value, list):
        return [_absolute(v, root) for v in value]
    return str(root / value)


def job_from_file(rule: str, root: Path, jobs_file: Path = JOBS_FILE) -> Named:
    path = root / jobs_file
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: run ./run_pipeline.sh once, then reopen the notebook")
    jobs = json.loads(path.read_text())
    if rule not in jobs:
        raise KeyError(f"{path} has no job {rule!r} (it has {', '.join(sorted(jobs))})")
    entry = jobs[rule]
    return Named(rule=rule, input=Named(**{k: _absolute(v, root) for k, v in entry["input"].items()}),
                 params=Named(**entry["params"]), output=Named(), log=Named())


def pipeline_job(namespace: dict, rule: str):
    """The `snakemake` object Snakemake injected, or, outside the pipeline, one read from jobs.json."""
    if "snakemake" in namespace:
        return namespace["snakemake"]
    return job_from_file(rule, project_root())
