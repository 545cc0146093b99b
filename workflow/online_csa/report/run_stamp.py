"""Which run is this: the commit and whether the tree was dirty, the configuration's hash, the
installed versions of the pinned packages, and what the configuration changed from
config/config.yaml (configuration/effective.py finds it). Plain data and markdown, for the
reports' first page and the Snakemake report bundle.

The commit is read when the workflow is parsed and reaches only the stamp job (its params), so
a new commit reruns the stamp and the reports that show it, never a computation.
"""
from __future__ import annotations

import json
import platform
import re
import subprocess
from importlib import metadata
from pathlib import Path

NOT_A_CHECKOUT = "none (not a git checkout)"
_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;#]+)\s*(;[^#]*)?")


def git_state(root) -> dict:
    """{commit, dirty} of the git checkout whose top level is `root`; dirty is None outside one.
    Untracked files count (a new scenario file changes the run); ignored ones (results/) do not."""
    root = Path(root).resolve()
    try:
        top = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-toplevel"], capture_output=True,
                             text=True, timeout=30)
        if top.returncode != 0 or Path(top.stdout.strip()).resolve() != root:
            return {"commit": NOT_A_CHECKOUT, "dirty": None}
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain=v2", "--branch"],
                                capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return {"commit": NOT_A_CHECKOUT, "dirty": None}
    lines = status.stdout.splitlines()
    commit = next((line.split()[2] for line in lines if line.startswith("# branch.oid ")), "unknown")
    return {"commit": commit, "dirty": any(not line.startswith("#") for line in lines)}


def pinned_packages(requirements) -> list[dict]:
    """Each pin of a requirements lock, with the version installed in this environment ("not
    installed" where an environment marker leaves it out, or it is missing)."""
    rows = []
    for line in Path(requirements).read_text().splitlines():
        match = _PIN.match(line)
        if not match:
            continue
        name, pinned, marker = match.group(1), match.group(2), (match.group(3) or "").lstrip("; ").strip()
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "not installed"
        rows.append({"package": name, "pinned": pinned, "installed": installed, "marker": marker})
    return rows


def run_stamp(commit: str, dirty, config_hash: str, packages: list[dict]) -> dict:
    return {"commit": commit, "dirty": dirty, "config_hash": config_hash, "python": platform.python_version(),
            "packages": packages}


def _table(columns: list[str], rows: list[list[str]]) -> str:
    def cell(text) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _commit(stamp: dict) -> str:
    if stamp["dirty"] is None:
        return "No git commit (not run from a git checkout)"
    tree = "with uncommitted changes" if stamp["dirty"] else "clean working tree"
    return f"Commit `{stamp['commit']}` ({tree})"


def stamp_line(stamp: dict) -> str:
    """The run in one sentence: commit, dirty flag, configuration hash, Python, packages."""
    packages = stamp["packages"]
    installed = [p for p in packages if p["installed"] != "not installed"]
    off_pin = [p for p in installed if p["installed"] != p["pinned"]]
    named = ", ".join(f"{p['package']} {p['installed']} (pinned {p['pinned']})" for p in off_pin)
    off = f"; **not as pinned**: {named}" if off_pin else ", every one as pinned"
    return (f"{_commit(stamp)}; configuration hash `{stamp['config_hash']}`; "
            f"Python {stamp['python']}; {len(installed)} of the {len(packages)} pinned packages installed{off} "
            "(the list is at the end of the report).")


def front_page_markdown(stamp: dict, changes: list[dict]) -> str:
    """The first page's notice: which run this is, in one paragraph (the findings follow it on the
    first screen and page), and every configuration change it carries."""
    parts = [f"**This run.** {stamp_line(stamp)}"]
    if changes:
        differ = "settings differ" if len(changes) > 1 else "setting differs"
        parts += ["", f"**This run does not use the default configuration.** {len(changes)} {differ} from "
                  "`config/config.yaml` (given on the command line or in another configuration file); every "
                  "number that depends on them, the baseline's included, is this run's, not the default's:", "",
                  _table(["key", "config/config.yaml", "this run", "scenarios altered"],
                         [[r["key"], r["default"], r["this_run"], r["scenarios_altered"]] for r in changes])]
    else:
        parts[-1] += " The configuration is `config/config.yaml`'s, unchanged."
    return "\n".join(parts) + "\n"


def packages_markdown(stamp: dict) -> str:
    """The back page: every pinned package and the version installed."""
    listed = "; ".join(f"{p['package']} {p['installed']}" + ("" if p["installed"] == p["pinned"]
                                                             else f" (pinned {p['pinned']})")
                       for p in stamp["packages"])
    return (f"## Packages of this run\n\nPython {stamp['python']}. The pinned packages of `requirements.txt` as "
            f"installed (\"not installed\": an environment marker leaves it out): {listed}.\n")


def front_and_back(stamp_path, changes_path) -> tuple[str, str]:
    """The reports' first-page notice and closing package list, from the stamp job's
    run_stamp.json and record_configuration's config_changes.csv."""
    import csv

    stamp = json.loads(Path(stamp_path).read_text())
    with open(changes_path, newline="", encoding="utf-8") as handle:
        changes = list(csv.DictReader(handle))
    return front_page_markdown(stamp, changes), packages_markdown(stamp)
