"""Run the pipeline under every supported Python on this machine and compare its tables byte for byte.

    python3 tools/compare_python_versions.py [--versions 3.12,3.13] [--target tables | all | RULE ...]
        [--workdir DIR] [--python /path/to/python3.X ...] [--venv 3.11=.venv] [--cores N] [--json FILE]

The supported versions are requires-python in pyproject.toml (3.11, 3.12, 3.13). For each one
found (a --python given, else python3.X on the PATH, else the newest 3.X.Z under pyenv's
versions/), it copies the project's files (git ls-files: tracked and untracked, not ignored)
into WORKDIR/python3.X/, builds that copy's .venv with tools/bootstrap_venv.sh and PYTHON set to
the interpreter (as ./run_pipeline.sh would), runs Snakemake there from a clean results/, and
times it. Then it compares every file under results/tables and results/scenarios across the
versions, byte for byte, and prints one row per version. It exits 1 if any table differs or
any run fails. Figures (results/figures) are compared too but only reported: their bytes may
change with a library's version, which the lock keeps the same on every Python anyway. The
report and notebooks record the Python version, so they differ by design and are not compared.

--target tables (the default) runs every rule that writes a table (raw data, cleaning, claims,
models, all scenarios and their comparison: no figures, notebooks or reports); --target all is
the whole pipeline. --workdir keeps the copies and their venvs between runs (a venv takes one
to two minutes to build; the bootstrap rebuilds it only when requirements.txt or the Python
changes); without it a temporary folder is used and removed. --venv X.Y=DIR uses an existing
venv built by tools/bootstrap_venv.sh from this requirements.txt instead of building one (the
tests pass their own .venv). Needs only the Python standard library.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from hashlib import sha256
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Every rule that writes under results/tables or results/scenarios (`scenarios` is every
# scenario's sensitivity run and their comparison).
TABLE_TARGETS = ["verify_raw_data", "clean_ledger", "check_claims", "impute_missing_cells", "check_calibration",
                 "fit_flag_propensity", "fit_structural_breaks", "scenarios"]
TABLE_FOLDERS = ["results/tables", "results/scenarios"]
FIGURE_FOLDERS = ["results/figures"]

PROBE = 'import sys; print("%d.%d.%d" % sys.version_info[:3]); print(getattr(sys, "_base_executable", "") or ' \
        'sys.executable)'


def supported_versions(root: Path = ROOT) -> list[str]:
    """The minor versions requires-python in pyproject.toml allows, oldest first: ">=3.11,<3.14"
    gives ["3.11", "3.12", "3.13"]. The bootstrap reads the same line."""
    text = (root / "pyproject.toml").read_text()
    match = re.search(r'^requires-python *= *">= *3\.(\d+) *, *< *3\.(\d+)"', text, re.MULTILINE)
    if not match:
        raise SystemExit('pyproject.toml has no requires-python = ">=3.A,<3.B" line')
    return [f"3.{minor}" for minor in range(int(match[1]), int(match[2]))]


@dataclass
class Interpreter:
    version: str  # X.Y.Z
    executable: str  # the interpreter itself, never a venv's python
    found_by: str

    @property
    def minor(self) -> str:
        return self.version.rsplit(".", 1)[0]


def probe(command: str, found_by: str) -> Interpreter | None:
    """The interpreter `command` runs, or None if it does not run (e.g. an unselected pyenv shim)."""
    try:
        output = subprocess.run([command, "-c", PROBE], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = output.stdout.split()
    if output.returncode != 0 or len(lines) != 2 or not re.fullmatch(r"\d+\.\d+\.\d+", lines[0]):
        return None
    return Interpreter(lines[0], lines[1], found_by)


def pyenv_candidates(minor: str) -> list[Path]:
    """pyenv's installs of one minor version (e.g. 3.12.1, 3.12.4), newest first."""
    versions = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if not versions.is_dir():
        return []
    found = [d for d in versions.iterdir() if re.fullmatch(re.escape(minor) + r"\.\d+", d.name)]
    found.sort(key=lambda d: int(d.name.rsplit(".", 1)[1]), reverse=True)
    return [d / "bin" / f"python{minor}" for d in found]


def find_interpreters(versions: list[str], explicit: list[str] = ()) -> tuple[dict[str, Interpreter], dict[str, str]]:
    """({minor: interpreter} for the versions found, {minor: where it was looked for} for the others)."""
    found: dict[str, Interpreter] = {}
    for command in explicit:
        interpreter = probe(command, "--python")
        if interpreter is None:
            raise SystemExit(f"--python {command}: does not run")
        if interpreter.minor not in versions:
            raise SystemExit(f"--python {command} is Python {interpreter.version}; comparing {', '.join(versions)}")
        found[interpreter.minor] = interpreter
    missing = {}
    for minor in versions:
        if minor in found:
            continue
        on_path = shutil.which(f"python{minor}")
        candidates = ([(on_path, "PATH")] if on_path else []) + [(str(p), "pyenv") for p in pyenv_candidates(minor)
                                                                 if p.exists()]
        for command, found_by in candidates:
            interpreter = probe(command, found_by)
            if interpreter is not None and interpreter.minor == minor:
                found[minor] = interpreter
                break
        else:
            missing[minor] = (f"no working python{minor} on the PATH or under pyenv "
                              f"({len(candidates)} candidate(s) did not run); pass --python /path/to/python{minor}")
    return found, missing


def project_files(root: Path = ROOT) -> list[str]:
    """The project's files: tracked and untracked, not ignored (so uncommitted work is compared too)."""
    listing = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root,
                             capture_output=True, text=True)
    if listing.returncode != 0:
        raise SystemExit(f"{root} is not a git checkout: {listing.stderr.strip()}")
    return sorted({name for name in listing.stdout.split("\0") if name and (root / name).is_file()})


MARKER = ".made-by-compare-python-versions"


def refresh_copy(copy: Path, root: Path = ROOT) -> None:
    """copy/ holds exactly the project's files, plus the .venv it already had (kept so that it is
    not rebuilt: a venv cannot move, so each version's copy keeps its path). A folder this tool
    did not make is never emptied."""
    if copy.is_dir() and any(copy.iterdir()) and not (copy / MARKER).is_file():
        raise SystemExit(f"{copy} exists and was not made by this tool: choose another --workdir")
    copy.mkdir(parents=True, exist_ok=True)
    (copy / MARKER).touch()
    for entry in copy.iterdir():
        if entry.name in {".venv", MARKER}:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    for name in project_files(root):
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, copy / name, follow_symlinks=False)


def requirements_hash(root: Path = ROOT) -> str:
    return sha256((root / "requirements.txt").read_bytes()).hexdigest()


@dataclass
class Run:
    version: str
    interpreter: str
    venv: str = ""
    venv_seconds: float = 0.0
    venv_built: bool = False
    venv_given: bool = False  # --venv
    pipeline_seconds: float = 0.0
    ran_with: str = ""  # the version the venv's python reports (which interpreter really ran)
    failed: str = ""
    tables: dict[str, str] = field(default_factory=dict)  # path: sha256
    figures: dict[str, str] = field(default_factory=dict)


def clean_env(venv: Path, copy: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH", "PYTHON"}}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(copy / "workflow")
    return env


def prepare_venv(run: Run, copy: Path, reuse: Path | None) -> Path:
    """The copy's venv, built (or found up to date) by the bootstrap with this interpreter; or `reuse`."""
    if reuse is not None:
        run.venv, run.venv_given = str(reuse), True
        return reuse
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH"}}
    env["PYTHON"] = run.interpreter
    start = time.perf_counter()
    result = subprocess.run(["bash", "tools/bootstrap_venv.sh"], cwd=copy, env=env, capture_output=True, text=True)
    run.venv_seconds = time.perf_counter() - start
    run.venv_built = "setting up .venv" in result.stderr
    run.venv = str(copy / ".venv")
    if result.returncode != 0:
        run.failed = "tools/bootstrap_venv.sh failed:\n" + result.stderr[-3000:]
    return copy / ".venv"


def digests(root: Path, folders: list[str]) -> dict[str, str]:
    """{path under root: sha256} of every file under the folders."""
    files = {}
    for folder in folders:
        for path in sorted((root / folder).rglob("*")):
            if path.is_file():
                files[str(path.relative_to(root))] = sha256(path.read_bytes()).hexdigest()
    return files


def run_version(interpreter: Interpreter, workdir: Path, targets: list[str], cores: str,
                reuse: Path | None) -> Run:
    run = Run(interpreter.version, interpreter.executable)
    copy = workdir / f"python{interpreter.minor}"
    print(f"Python {interpreter.version} ({interpreter.executable}): copying the project to {copy} ...", flush=True)
    refresh_copy(copy)
    venv = prepare_venv(run, copy, reuse)
    if run.failed:
        return run
    env = clean_env(venv, copy)
    python = str(venv / "bin" / "python")
    run.ran_with = subprocess.run([python, "-c", "import platform; print(platform.python_version())"], env=env,
                                  capture_output=True, text=True).stdout.strip()
    if run.ran_with.rsplit(".", 1)[0] != interpreter.minor:
        run.failed = f"{python} is Python {run.ran_with or '(does not run)'}, not {interpreter.minor}"
        return run
    print(f"  venv {'built' if run.venv_built else 'ready'} in {run.venv_seconds:.0f} s; running snakemake "
          f"{' '.join(targets)} ...", flush=True)
    start = time.perf_counter()
    result = subprocess.run([python, "-m", "snakemake", "--cores", cores, *targets], cwd=copy, env=env,
                            capture_output=True, text=True)
    run.pipeline_seconds = time.perf_counter() - start
    if result.returncode != 0:
        run.failed = f"snakemake {' '.join(targets)} failed:\n" + result.stderr[-3000:]
        return run
    run.tables = digests(copy, TABLE_FOLDERS)
    run.figures = digests(copy, FIGURE_FOLDERS)
    return run


def differences(reference: dict[str, str], other: dict[str, str]) -> list[str]:
    """The files whose bytes differ, or that only one side has (marked 'missing' or 'extra')."""
    names = sorted(set(reference) | set(other))
    return [name if name in reference and name in other else f"{name} ({'missing' if name in reference else 'extra'})"
            for name in names if reference.get(name) != other.get(name)]


def report(runs: list[Run], missing: dict[str, str]) -> bool:
    """Print one row per version; True if every run passed and every table is identical."""
    ok = all(not r.failed for r in runs)
    done = [r for r in runs if not r.failed]
    reference = done[0] if done else None
    against = f"tables vs {reference.version}" if reference else ""
    print(f"\n{'python':<8} {'venv':>12} {'pipeline':>9} {'tables':>7}  {against:<17}figures")
    for run in runs:
        venv = "given" if run.venv_given else f"{'built' if run.venv_built else 'ready'} {run.venv_seconds:.0f} s"
        if run.failed:
            print(f"{run.version:<8} {venv:>12} {'':>9} {'':>7}  FAILED")
            continue
        tables = differences(reference.tables, run.tables)
        figures = differences(reference.figures, run.figures)
        ok &= not tables
        verdict = "reference" if run is reference else ("identical" if not tables else f"{len(tables)} DIFFER")
        figure_note = ("none made" if not run.figures and not reference.figures else "reference" if run is reference
                       else "identical" if not figures else f"{len(figures)} differ")
        print(f"{run.version:<8} {venv:>12} {run.pipeline_seconds:>7.1f} s {len(run.tables):>7}  {verdict:<17}"
              f"{figure_note}")
        for name in tables:
            print(f"    table differs: {name}")
        for name in figures:
            print(f"    figure differs (reported, not a failure): {name}")
    for run in runs:
        if run.failed:
            print(f"\nPython {run.version}: {run.failed}")
    for minor, why in missing.items():
        print(f"Python {minor}: skipped, {why}")
    if len(done) < 2:
        print("fewer than two versions ran: nothing to compare")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--versions", help="comma-separated minor versions (default: every supported one)")
    parser.add_argument("--target", nargs="+", default=["tables"],
                        help="snakemake targets; 'tables' (default) is every rule that writes a table")
    parser.add_argument("--workdir", type=Path, help="keep the copies and their venvs here (default: a temporary "
                                                     "folder, removed at the end)")
    parser.add_argument("--python", action="append", default=[], help="an interpreter to use for its version")
    parser.add_argument("--venv", action="append", default=[], metavar="X.Y=DIR",
                        help="use this existing venv for version X.Y")
    parser.add_argument("--cores", default="2")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)

    supported = supported_versions()
    versions = args.versions.split(",") if args.versions else supported
    unknown = [v for v in versions if v not in supported]
    if unknown:
        parser.error(f"not a supported version: {', '.join(unknown)} (supported: {', '.join(supported)})")
    reuse = {}
    for item in args.venv:
        minor, _, folder = item.partition("=")
        if minor not in versions or not folder:
            parser.error(f"--venv {item}: want X.Y=DIR with X.Y one of {', '.join(versions)}")
        reuse[minor] = Path(folder).resolve()
    targets = [t for target in args.target for t in (TABLE_TARGETS if target == "tables" else [target])]

    interpreters, missing = find_interpreters([v for v in versions if v not in reuse], args.python)
    for minor, folder in reuse.items():
        interpreter = probe(str(folder / "bin" / "python"), "--venv")
        stamp = folder / ".requirements.sha256"
        if interpreter is None or interpreter.minor != minor:
            parser.error(f"--venv {minor}={folder}: its python is not Python {minor}")
        if not stamp.is_file() or stamp.read_text().strip() != requirements_hash():
            parser.error(f"--venv {minor}={folder}: not built by tools/bootstrap_venv.sh from this requirements.txt")
        interpreters[minor] = interpreter
    runs = []
    with tempfile.TemporaryDirectory(prefix="compare-python-") as tmp:
        workdir = (args.workdir or Path(tmp)).resolve()
        for minor in versions:
            if minor in interpreters:
                runs.append(run_version(interpreters[minor], workdir, targets, args.cores, reuse.get(minor)))
        ok = report(runs, missing)
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    print(f"(commit {git.stdout.strip() or '?'}, targets: {' '.join(args.target)}, --cores {args.cores})")
    if args.json:
        args.json.write_text(json.dumps({"ok": ok, "targets": targets, "missing": missing,
                                         "runs": [asdict(r) for r in runs]}, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
