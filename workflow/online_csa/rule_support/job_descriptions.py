"""What the pipeline writes about each job so that it can run by hand: built from the rules when
the workflow is parsed (workflow/rules/jobs.smk), written by rule describe_jobs, read back by
online_csa.rule_support.pipeline_job.

A rule with wildcards has one job per value (run_sensitivity: one per scenario), keyed
`rule[value]`; in each, the wildcards are filled into the paths and the params that are
functions of them are called, as Snakemake does when it runs the job.
"""
from __future__ import annotations

import os
import re
from itertools import product
from types import SimpleNamespace

# {name} or {name,constraint} in a path; a constraint may hold {n} or {n,m} repetitions
_WILDCARD = re.compile(r"\{\s*(\w+)\s*(?:,(?:[^{}]|\{\d+(?:,\d*)?\})*)?\}")


def job_key(rule: str, wildcards: dict[str, str]) -> str:
    """check_claims; run_sensitivity[baseline] for one job of a rule with wildcards (values in the rule's order)."""
    return f"{rule}[{','.join(wildcards.values())}]" if wildcards else rule


def _filled(value, wildcards: dict[str, str]):
    if isinstance(value, (list, tuple)):
        return [_filled(v, wildcards) for v in value]
    return _WILDCARD.sub(lambda m: wildcards[m.group(1)], str(value))


def _evaluated(value, wildcards: dict[str, str]):
    return value(SimpleNamespace(**wildcards)) if callable(value) else value


def describe_job(rule: str, script: str | None, input: dict, output: dict, params: dict, log: list,
                 wildcards: dict[str, str]) -> dict:
    """One job's entry in jobs.json: plain paths with the wildcards filled in, params evaluated."""
    return {
        "rule": rule,
        "script": script,
        "wildcards": dict(wildcards),
        "input": {name: _filled(_evaluated(value, wildcards), wildcards) for name, value in input.items()},
        "output": {name: _filled(value, wildcards) for name, value in output.items()},
        "params": {name: _evaluated(value, wildcards) for name, value in params.items()},
        "log": [_filled(path, wildcards) for path in log],
    }


def wildcard_values(names: list[str], values_of: dict[str, list[str]]) -> list[dict[str, str]]:
    """Every combination of the values of a rule's wildcards ([{}] for a rule without any)."""
    missing = [name for name in names if name not in values_of]
    if missing:
        raise KeyError(f"no values known for wildcard(s) {', '.join(missing)}: add them where the jobs are described")
    return [dict(zip(names, combination)) for combination in product(*(values_of[name] for name in names))]


# The script that executes a chapter notebook in its job's process; the rule names the notebook as input `chapter`
NOTEBOOK_RUNNER = "execute_notebook.py"


def _entry_file(rule, kind: str, basedir: str) -> str | None:
    """The file a rule runs, from `basedir`: its script, or its notebook (a notebook: directive's, or the chapter
    the notebook runner executes); None if it runs no file of that kind."""
    if kind == "notebook" and rule.notebook is None and rule.script is not None \
            and os.path.basename(rule.script) == NOTEBOOK_RUNNER:
        return os.path.relpath(os.path.join(basedir, rule.input["chapter"]), basedir)
    entry_file = getattr(rule, kind)
    return None if entry_file is None else os.path.relpath(os.path.join(rule.basedir, entry_file), basedir)


def describe_jobs(rules, kind: str, basedir: str, values_of: dict[str, list[str]]) -> dict[str, dict]:
    """{job key: description} of every job of the rules (Snakemake's) that run a `kind` of file,
    "script" or "notebook"; paths of the scripts and notebooks are from `basedir`, the project root.
    A chapter notebook the notebook runner executes is both: a notebook to open in Jupyter, and a
    script's job to run by hand."""
    jobs = {}
    for rule in rules:
        script = _entry_file(rule, kind, basedir)
        if script is None:
            continue
        for wildcards in wildcard_values(sorted(rule.wildcard_names), values_of):
            jobs[job_key(rule.name, wildcards)] = describe_job(
                rule.name, script,
                # code inputs make Snakemake rerun a job when its code changes; no script reads them
                input={name: value for name, value in rule.input.items() if name != "code"},
                output=dict(rule.output.items()), params=dict(rule.params.items()), log=list(rule.log),
                wildcards=wildcards)
    return jobs


def notebook_entry(entry: dict) -> dict:
    """A notebook's entry: only what it reads, which includes the figures its job drew before running it
    (outputs other than `notebook`, the executed copy, which in Jupyter is the open notebook itself)."""
    figures = {name: path for name, path in entry.get("output", {}).items() if name != "notebook"}
    return {"input": entry["input"], "output": figures, "params": entry["params"]}
