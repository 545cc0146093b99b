"""The supported Pythons (requires-python in pyproject.toml): one range stated everywhere, the
bootstrap's choice of interpreter and its rebuild when the interpreter changes (on fake
interpreters, fast), and the pipeline's tables byte-identical under every supported version on
this machine (tools/compare_python_versions.py, marked `pipeline`)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import compare_python_versions as compare  # noqa: E402

SUPPORTED = compare.supported_versions()
BOOTSTRAP = ROOT / "tools" / "bootstrap_venv.sh"

# A stand-in for a Python interpreter: answers the bootstrap's version probe, makes a "venv" with
# `-m venv DIR` (a copy of itself), logs pip calls, and names a site-packages folder.
FAKE_PYTHON = """#!/bin/sh
case "$1" in
  -c) case "$2" in
        *sysconfig*) site="${0%/bin/*}/site"; mkdir -p "$site"; echo "$site" ;;
        *) echo {version} ;;
      esac ;;
  -m) [ "$2" = venv ] && mkdir -p "$3/bin" && cp "$0" "$3/bin/python" && exit 0
      echo "$*" >> "${0%/bin/*}/pip.log" ;;
esac
"""
NOT_RUNNING = "#!/bin/sh\necho 'pyenv: python3.13: command not found' >&2\nexit 127\n"


def fake(folder: Path, name: str, version: str | None) -> Path:
    """An executable `name` in folder that reports `version` (None: one that does not run, like a
    pyenv shim for a version that is not selected)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(NOT_RUNNING if version is None else FAKE_PYTHON.replace("{version}", version))
    path.chmod(0o755)
    return path


def which_python(path: Path, python: Path | None = None) -> subprocess.CompletedProcess:
    """`bootstrap_venv.sh --which-python` with only `path` on the PATH (no real Python)."""
    env = {"PATH": str(path), "HOME": os.environ.get("HOME", "/")}
    if python is not None:
        env["PYTHON"] = str(python)
    return subprocess.run(["/bin/bash", str(BOOTSTRAP), "--which-python"], env=env, capture_output=True, text=True,
                          timeout=60)


def test_the_supported_range_is_read_from_pyproject(tmp_path):
    assert SUPPORTED == ["3.11", "3.12", "3.13"]
    (tmp_path / "pyproject.toml").write_text('requires-python = ">=3.9,<3.11"\n')
    assert compare.supported_versions(tmp_path) == ["3.9", "3.10"]
    (tmp_path / "pyproject.toml").write_text('requires-python = "==3.11.*"\n')
    with pytest.raises(SystemExit, match="requires-python"):
        compare.supported_versions(tmp_path)


def test_environment_yml_and_readme_state_the_pyproject_range():
    lowest, highest = SUPPORTED[0], SUPPORTED[-1]
    above = f"3.{int(highest.split('.')[1]) + 1}"
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pythons = [d for d in environment["dependencies"] if isinstance(d, str) and d.startswith("python")]
    assert pythons == [f"python>={lowest},<{above}"]
    readme = (ROOT / "README.md").read_text()
    assert f"Python {', '.join(SUPPORTED[:-1])} or {highest}" in readme
    assert "Python 3.11 on the PATH" not in readme


@pytest.mark.parametrize("on_path, picked", [
    ({"python3.11": "3.11.9", "python3.12": "3.12.4", "python3.13": "3.13.2", "python3": "3.11.9"}, "3.13.2"),
    ({"python3.11": "3.11.9", "python3.12": "3.12.4", "python3.13": None}, "3.12.4"),  # 3.13 is a dead shim
    ({"python3.13": None, "python3": "3.12.4"}, "3.12.4"),
    ({"python3": "3.10.12", "python": "3.13.2"}, "3.13.2"),
])
def test_the_bootstrap_picks_the_newest_supported_python_that_runs(tmp_path, on_path, picked):
    for name, version in on_path.items():
        fake(tmp_path, name, version)
    result = which_python(tmp_path)
    assert result.returncode == 0, result.stderr
    version, executable = result.stdout.split()
    assert version == picked
    assert Path(executable).parent == tmp_path and on_path[Path(executable).name] == picked


def test_python_overrides_the_search(tmp_path):
    fake(tmp_path / "bin", "python3.13", "3.13.2")
    chosen = fake(tmp_path / "elsewhere", "python", "3.11.4")
    result = which_python(tmp_path / "bin", python=chosen)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["3.11.4", str(chosen)]


@pytest.mark.parametrize("too_old_or_new", ["3.10.14", "3.14.0"])
def test_a_python_outside_the_range_is_refused_naming_it_and_the_range(tmp_path, too_old_or_new):
    python = fake(tmp_path / "elsewhere", "python", too_old_or_new)
    result = which_python(tmp_path, python=python)
    assert result.returncode == 1
    assert result.stdout == ""
    assert f"found PYTHON={python} (Python {too_old_or_new})" in result.stderr
    assert "Supported: 3.11, 3.12, 3.13 (requires-python in pyproject.toml)" in result.stderr


def test_with_no_supported_python_the_message_lists_every_candidate(tmp_path):
    fake(tmp_path, "python3.13", None)
    fake(tmp_path, "python3", "3.10.14")
    result = which_python(tmp_path)
    assert result.returncode == 1
    assert ("error: no supported Python: found python3.13 (does not run), python3 (Python 3.10.14). "
            "Supported: 3.11, 3.12, 3.13") in result.stderr
    empty = which_python(tmp_path / "nothing")
    assert "found no python3.X, python3 or python on the PATH" in empty.stderr


def test_the_venv_is_rebuilt_when_the_python_changes_and_not_otherwise(tmp_path):
    """The real bootstrap in a scratch project, with fake interpreters (no pip, no network)."""
    project = tmp_path / "project"
    (project / "tools").mkdir(parents=True)
    for name in ["tools/bootstrap_venv.sh", "pyproject.toml", "requirements.txt"]:
        (project / name).write_bytes((ROOT / name).read_bytes())
    python312 = fake(tmp_path / "py312/bin", "python3.12", "3.12.4")
    python313 = fake(tmp_path / "py313/bin", "python3.13", "3.13.2")

    def bootstrap(python):
        env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHON": str(python)}
        result = subprocess.run(["bash", "-c", "source tools/bootstrap_venv.sh && echo PATH=$PATH"], cwd=project,
                                env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return result

    first = bootstrap(python312)
    assert "setting up .venv from requirements.txt with Python 3.12.4" in first.stderr
    assert "no .venv yet" in first.stderr
    assert (project / ".venv/.python-version").read_text() == "3.12.4\n"
    pip = (project / ".venv/pip.log").read_text().splitlines()
    assert pip[0].endswith("--no-deps -r requirements.txt") and pip[1] == "-m pip check"
    assert (project / ".venv/site/online_csa_project.pth").read_text() == f"{project / 'workflow'}\n"
    assert f"PATH={project / '.venv/bin'}:" in first.stdout

    again = bootstrap(python312)
    assert "setting up" not in again.stderr
    assert len((project / ".venv/pip.log").read_text().splitlines()) == 2  # nothing reinstalled

    switched = bootstrap(python313)
    assert "with Python 3.13.2" in switched.stderr and ".venv was built with Python 3.12.4" in switched.stderr
    assert (project / ".venv/.python-version").read_text() == "3.13.2\n"
    assert len((project / ".venv/pip.log").read_text().splitlines()) == 2  # a new venv, its own log

    (project / "requirements.txt").write_text((ROOT / "requirements.txt").read_text() + "# changed\n")
    assert "requirements.txt changed" in bootstrap(python313).stderr


def test_the_comparison_names_every_table_that_differs_or_is_missing(tmp_path):
    for side, panel, extra in [("a", "1,2\n", True), ("b", "1,3\n", False)]:
        (tmp_path / side / "results/tables").mkdir(parents=True)
        (tmp_path / side / "results/scenarios/baseline").mkdir(parents=True)
        (tmp_path / side / "results/tables/panel.csv").write_text(panel)
        (tmp_path / side / "results/tables/claims.csv").write_text("same\n")
        if extra:
            (tmp_path / side / "results/scenarios/baseline/tornado.csv").write_text("x\n")
    a, b = (compare.digests(tmp_path / side, compare.TABLE_FOLDERS) for side in "ab")
    assert len(a) == 3 and len(b) == 2
    assert compare.differences(a, b) == ["results/scenarios/baseline/tornado.csv (missing)",
                                         "results/tables/panel.csv"]
    assert compare.differences(b, a) == ["results/scenarios/baseline/tornado.csv (extra)",
                                         "results/tables/panel.csv"]
    assert compare.differences(a, a) == []


def test_a_copy_is_refreshed_keeping_its_venv_and_a_foreign_folder_is_left_alone(tmp_path):
    copy = tmp_path / "python3.12"
    compare.refresh_copy(copy)
    assert (copy / "Snakefile").read_bytes() == (ROOT / "Snakefile").read_bytes()
    (copy / ".venv").mkdir()
    (copy / "results/tables").mkdir(parents=True, exist_ok=True)
    (copy / "results/tables/panel.csv").write_text("from an earlier run\n")
    (copy / "Snakefile").write_text("edited in the copy\n")
    compare.refresh_copy(copy)
    assert (copy / ".venv").is_dir() and not (copy / "results/tables").exists()
    assert (copy / "Snakefile").read_bytes() == (ROOT / "Snakefile").read_bytes()
    foreign = tmp_path / "python3.13"
    (foreign / "notes").mkdir(parents=True)
    with pytest.raises(SystemExit, match="not made by this tool"):
        compare.refresh_copy(foreign)
    assert (foreign / "notes").is_dir()


# --- the pipeline under each supported Python on this machine ---------------------------------

RUNNING = ".".join(map(str, sys.version_info[:2]))
# this test's own venv, when the bootstrap built it, serves its own version
OWN_VENV = Path(sys.prefix) if (Path(sys.prefix) / ".requirements.sha256").is_file() else None


@pytest.fixture(scope="module")
def interpreters() -> tuple[dict, dict]:
    """({version: interpreter} on this machine, {version: where it was looked for} for the rest)."""
    found, missing = compare.find_interpreters(SUPPORTED)
    if OWN_VENV is not None:
        missing.pop(RUNNING, None)
        found.setdefault(RUNNING, None)
    return found, missing


@pytest.fixture(scope="module")
def comparison(interpreters, tmp_path_factory) -> dict:
    """tools/compare_python_versions.py over the versions present, tables target (about 30 s a
    version, plus one to two minutes for each venv built). Their venvs are kept in
    .venv/python-versions, so they are built again only with .venv itself."""
    present = [v for v in SUPPORTED if v in interpreters[0]]
    if len(present) < 2:
        pytest.skip(f"only Python {', '.join(present)} on this machine: nothing to compare")
    workdir = ROOT / ".venv" / "python-versions" if (ROOT / ".venv").is_dir() else tmp_path_factory.mktemp("versions")
    out = tmp_path_factory.mktemp("comparison") / "comparison.json"
    command = [sys.executable, str(ROOT / "tools/compare_python_versions.py"), "--versions", ",".join(present),
               "--workdir", str(workdir), "--json", str(out)]
    if OWN_VENV is not None:
        command += ["--venv", f"{RUNNING}={OWN_VENV}"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    print(result.stdout)
    assert out.is_file(), result.stdout[-3000:] + result.stderr[-3000:]
    return {"returncode": result.returncode, "stdout": result.stdout, **json.loads(out.read_text())}


@pytest.mark.pipeline
@pytest.mark.parametrize("version", SUPPORTED)
def test_every_table_is_byte_identical_under_each_supported_python(interpreters, request, version):
    found, missing = interpreters
    if version not in found:
        pytest.skip(f"Python {version} is not on this machine: {missing[version]}")
    comparison = request.getfixturevalue("comparison")
    runs = {run["version"].rsplit(".", 1)[0]: run for run in comparison["runs"]}
    run = runs[version]
    assert not run["failed"], run["failed"]
    assert run["ran_with"] == run["version"] and run["ran_with"].startswith(version + ".")
    tables = run["tables"]
    assert len(tables) >= 50
    assert {"results/tables/panel.csv", "results/tables/claims.csv", "results/tables/scenario_comparison.csv",
            "results/scenarios/baseline/sensitivity.csv"} <= set(tables)
    reference = comparison["runs"][0]
    assert compare.differences(reference["tables"], tables) == []
    assert comparison["ok"] and comparison["returncode"] == 0, comparison["stdout"][-3000:]
