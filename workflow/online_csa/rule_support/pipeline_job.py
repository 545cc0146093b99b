"""A pipeline job outside Snakemake: a chapter notebook in a student's Jupyter session, or a rule
script run by hand (in a debugger, say), each with the inputs and params the pipeline gave it.

Inside the pipeline Snakemake injects a `snakemake` object into a notebook (`notebook:`) or a
script (`script:`). By hand there is none, so one is built from the job descriptions the
pipeline writes (rule `describe_jobs`, online_csa.rule_support.job_descriptions):
`results/notebooks/jobs.json` for the chapter notebooks, `results/scripts/jobs.json` for the
rule scripts.

A notebook gets absolute paths, so it runs from any working directory. A script works where
Snakemake runs its jobs, in the project root, with the paths as the rule wrote them; its
outputs and log are the job's own unless `--scratch DIR` puts them under DIR instead.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from pathlib import Path
from types import SimpleNamespace

from online_csa.rule_support.job_server import hand_over

NOTEBOOK_JOBS = Path("results/notebooks/jobs.json")
SCRIPT_JOBS = Path("results/scripts/jobs.json")


class Namedlist(list):
    """Values in order, the named ones also by attribute and by key, like Snakemake's input,
    output, params, log and wildcards. Built from a dict (named values) or a list (positional)."""

    def __init__(self, values=()):
        named = dict(values) if isinstance(values, dict) else {}
        super().__init__(named.values() if isinstance(values, dict) else values)
        self._names = named

    def __getattr__(self, name):
        try:
            return self.__dict__.get("_names", {})[name]
        except KeyError:
            raise AttributeError(f"no item named {name!r} (there are {', '.join(self.keys()) or 'none'})") from None

    def __getitem__(self, key):
        return self._names[key] if isinstance(key, str) else super().__getitem__(key)

    def keys(self):
        return self._names.keys()

    def items(self):
        return self._names.items()

    def get(self, key, default=None):
        return self._names.get(key, default)


def project_root(start: Path | None = None) -> Path:
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "Snakefile").exists() and (folder / "workflow").is_dir():
            return folder
    raise FileNotFoundError(f"no Snakefile found in {here} or above: work from inside the project")


def read_jobs(root: Path, jobs_file: Path) -> dict:
    path = root / jobs_file
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: run ./run_pipeline.sh once (it describes every job), "
                                "then try again")
    return json.loads(path.read_text())


def _paths(value, place):
    return [_paths(v, place) for v in value] if isinstance(value, list) else place(value)


def _files(group, place) -> Namedlist:
    if isinstance(group, dict):
        return Namedlist({name: _paths(value, place) for name, value in group.items()})
    return Namedlist([_paths(value, place) for value in group])


def _flat(values) -> list:
    return [p for v in values for p in (_flat(v) if isinstance(v, list) else [v])]


def job_from_entry(name: str, entry: dict, read=str, write=str) -> SimpleNamespace:
    """The `snakemake` object of one jobs.json entry; `read` places input paths, `write` output and log paths."""
    return SimpleNamespace(rule=entry.get("rule", name), input=_files(entry["input"], read),
                           output=_files(entry.get("output", {}), write), params=Namedlist(entry["params"]),
                           log=_files(entry.get("log", []), write), wildcards=Namedlist(entry.get("wildcards", {})))


class StaleResultsWarning(UserWarning):
    """The configuration changed after the run whose results a notebook is reading."""


def changed_since_last_run(root: Path, jobs_file: Path = NOTEBOOK_JOBS) -> list[str]:
    """Configuration files (config/, scenarios included) modified after the last run described the
    jobs: a notebook run by hand still shows that run's results, not the edited configuration's."""
    described = (root / jobs_file).stat().st_mtime
    return sorted(path.relative_to(root).as_posix() for path in (root / "config").rglob("*")
                  if path.is_file() and path.stat().st_mtime > described)


def job_from_file(rule: str, root: Path, jobs_file: Path = NOTEBOOK_JOBS) -> SimpleNamespace:
    """A notebook's job, every path absolute from the project root; warns (StaleResultsWarning)
    when the configuration changed after that run."""
    jobs = read_jobs(root, jobs_file)
    changed = changed_since_last_run(root, jobs_file)
    if changed:
        warnings.warn(f"{', '.join(changed)} changed after the last pipeline run: this notebook shows that run's "
                      "results. Rerun the pipeline (`.venv/bin/snakemake`, from the project root) to see the "
                      "change; if it has nothing to do, the change reaches no result.", StaleResultsWarning,
                      stacklevel=2)
    if rule not in jobs:
        raise KeyError(f"{root / jobs_file} has no job {rule!r} (it has {', '.join(sorted(jobs))})")
    absolute = lambda path: str(root / path)  # noqa: E731
    return job_from_entry(rule, jobs[rule], read=absolute, write=absolute)


def pipeline_job(namespace: dict, rule: str):
    """The `snakemake` object Snakemake injected into a notebook, or, outside the pipeline, one read from jobs.json."""
    if "snakemake" in namespace:
        return namespace["snakemake"]
    return job_from_file(rule, project_root())


def _option(parser: argparse.ArgumentParser, name: str, choices: list[str], help: str) -> None:
    """--name, required unless there is one choice (then it is the default)."""
    parser.add_argument(f"--{name}", choices=choices, required=len(choices) > 1,
                        default=choices[0] if len(choices) == 1 else None, help=help)


def script_job(script: str, rule: str | None, root: Path, argv: list[str]) -> SimpleNamespace:
    """The job of one script of the project (path from the project root), as the last run described it.

    Command line: `--<wildcard> VALUE` picks one job of a rule with wildcards (run_sensitivity:
    `--scenario baseline`), `--rule NAME` one rule of a script several rules run (execute_notebook.py),
    `--scratch DIR` writes the outputs and log under DIR at their usual relative paths. Other
    arguments are ignored: a debugger or a Jupyter kernel may put its own on the command line."""
    jobs = read_jobs(root, SCRIPT_JOBS)
    here = [entry for entry in jobs.values() if entry["script"] == script and rule in (None, entry["rule"])]
    if not here:
        raise KeyError(f"{root / SCRIPT_JOBS} has no job of {rule or script!r} (it has {', '.join(sorted(jobs))})")
    parser = argparse.ArgumentParser(prog=script, description=f"Run {script} by hand as the pipeline last ran it.",
                                     allow_abbrev=False)
    parser.add_argument("--scratch", type=Path, metavar="DIR",
                        help="write outputs and log under DIR (same relative paths), not over the pipeline's results")
    _option(parser, "rule", sorted({entry["rule"] for entry in here}), "the rule whose job to run")
    for name in sorted({name for entry in here for name in entry["wildcards"]}):
        values = sorted({entry["wildcards"][name] for entry in here if name in entry["wildcards"]})
        _option(parser, name, values, f"the {name} of the job to run")
    args = parser.parse_known_args(argv)[0]
    entry = next(entry for entry in here if entry["rule"] == args.rule
                 and all(getattr(args, name) == value for name, value in entry["wildcards"].items()))
    scratch = args.scratch.resolve() if args.scratch else None  # from where the command was given
    return job_from_entry(args.rule, entry, write=(lambda path: str(scratch / path)) if scratch else str)


def rule_job(namespace: dict, rule: str | None = None, argv: list[str] | None = None):
    """The job a rule script runs: the first line of every script in workflow/scripts/.

    Under Snakemake: the injected `snakemake` object, with stderr sent to the job's log so that a
    failure's traceback is kept. By hand (`python workflow/scripts/<script>.py [options]`, see
    `script_job`): the job from results/scripts/jobs.json, the working directory set to the
    project root as Snakemake sets it, the folders of outputs and log made; stderr stays on the
    terminal. `rule` is None in a script several rules run."""
    if "snakemake" in namespace:
        if "__real_file__" in namespace:  # the script Snakemake wrote for the job: its preamble, then ours
            hand_over(namespace["__real_file__"])  # returns only where the run has no job server to take it
        job = namespace["snakemake"]
        if job.log:
            sys.stderr = open(job.log[0], "w")
        return job
    script = Path(namespace["__file__"]).resolve()
    root = project_root(script.parent)
    job = script_job(script.relative_to(root).as_posix(), rule, root, sys.argv[1:] if argv is None else argv)
    os.chdir(root)
    for path in _flat([*job.output, *job.log]):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    return job
