#!/usr/bin/env bash
# Create or refresh .venv from the pinned requirements.txt. Sourced by run_pipeline.sh and
# run_tests.sh. Needs a supported Python: the range is `requires-python` in pyproject.toml
# (3.11, 3.12 or 3.13), the one place it is written. The newest supported python3.X on the
# PATH is used (then python3, then python); PYTHON=/path/to/python overrides the search.
# .venv records the version of the Python that built it (.venv/.python-version) and the hash
# of requirements.txt (.venv/.requirements.sha256), and is rebuilt when either changes.
# With --with-cluster-plugins (run_tests.sh) it also puts the pinned executor plugins of
# requirements-cluster.txt in .venv/cluster-plugins, a folder the pipeline never sees unless
# it is put on PYTHONPATH (the profile tests do that).
# `bash tools/bootstrap_venv.sh --which-python` prints the version and path of the Python it
# would use, and exits (nothing is built).
set -euo pipefail
# only bash built-ins until a Python is picked (the tests run the pick on a PATH of fakes)
case "${BASH_SOURCE[0]}" in
  */*) cd "${BASH_SOURCE[0]%/*}/.." ;;
  *) cd .. ;;
esac

# The supported minor versions, oldest first ("3.11 3.12 3.13"), from requires-python in
# pyproject.toml, which must read ">=3.A,<3.B".
supported_pythons() {
  local line minor pattern='^requires-python *= *">= *3\.([0-9]+) *, *< *3\.([0-9]+)"'
  while IFS= read -r line; do
    if [[ $line =~ $pattern ]]; then
      for ((minor = BASH_REMATCH[1]; minor < BASH_REMATCH[2]; minor++)); do
        printf '3.%d ' "$minor"
      done
      return 0
    fi
  done < pyproject.toml
  echo "error: pyproject.toml has no requires-python = \">=3.A,<3.B\" line" >&2
  return 1
}

# "X.Y.Z /path/to/python" of the Python to build .venv with: PYTHON if set, else the newest
# supported python3.X on the PATH, then python3, then python. A candidate that does not run
# (e.g. a pyenv shim for a version that is not selected) is passed over. The path is the
# interpreter's own executable, never one inside a venv (an activated .venv would be deleted).
pick_python() {
  local supported newest_first="" found="" candidate command output version executable v
  supported=$(supported_pythons) || return 1
  local -a candidates
  if [ -n "${PYTHON:-}" ]; then
    candidates=("$PYTHON")
  else
    for v in $supported; do newest_first="python$v $newest_first"; done
    read -r -a candidates <<< "$newest_first python3 python"
  fi
  for candidate in "${candidates[@]}"; do
    if ! command=$(command -v "$candidate" 2>/dev/null); then
      [ -z "${PYTHON:-}" ] || found="PYTHON=$candidate (no such command)"
      continue
    fi
    output=$("$command" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3]); print(getattr(sys, "_base_executable", "") or sys.executable)' 2>/dev/null) || output=""
    version=${output%%$'\n'*}
    executable=${output#*$'\n'}
    [ "$executable" != "$output" ] && [ -n "$executable" ] || executable=$command
    if [[ ! $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
      found+="${found:+, }${PYTHON:+PYTHON=}$candidate (does not run)"
    elif [[ " $supported " == *" ${version%.*} "* ]]; then
      echo "$version $executable"
      return 0
    else
      found+="${found:+, }${PYTHON:+PYTHON=}$candidate (Python $version)"
    fi
  done
  supported=${supported% }
  echo "error: no supported Python: found ${found:-no python3.X, python3 or python on the PATH}." \
       "Supported: ${supported// /, } (requires-python in pyproject.toml)." \
       "Put one on the PATH or set PYTHON=/path/to/python3.X." >&2
  return 1
}

if [ "${1:-}" = "--which-python" ]; then
  pick_python
  exit
fi

picked=$(pick_python)
python_version=${picked%% *}
python=${picked#* }
wanted=$(sha256sum requirements.txt | cut -d' ' -f1)
built_with=$(cat .venv/.python-version 2>/dev/null || true)
if [ ! -x .venv/bin/python ] || [ "$(cat .venv/.requirements.sha256 2>/dev/null)" != "$wanted" ] ||
   [ "$built_with" != "$python_version" ]; then
  if [ ! -x .venv/bin/python ]; then reason="no .venv yet"
  elif [ -z "$built_with" ]; then reason="no record of the Python that built .venv"
  elif [ "$built_with" != "$python_version" ]; then reason=".venv was built with Python $built_with"
  else reason="requirements.txt changed"
  fi
  echo "setting up .venv from requirements.txt with Python $python_version ($python; $reason; about two minutes) ..." >&2
  rm -rf .venv
  "$python" -m venv .venv
  # a lock file: every package is listed, so pip adds nothing of its own (see requirements.txt)
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.txt
  .venv/bin/python -m pip check >&2
  echo "$python_version" > .venv/.python-version
  echo "$wanted" > .venv/.requirements.sha256
fi
if [ "${1:-}" = "--with-cluster-plugins" ]; then
  wanted_plugins=$(cat requirements.txt requirements-cluster.txt | sha256sum | cut -d' ' -f1)
  if [ "$(cat .venv/cluster-plugins/.requirements.sha256 2>/dev/null)" != "$wanted_plugins" ]; then
    echo "installing the cluster executor plugins into .venv/cluster-plugins ..." >&2
    rm -rf .venv/cluster-plugins
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps \
      --target .venv/cluster-plugins -r requirements-cluster.txt
    echo "$wanted_plugins" > .venv/cluster-plugins/.requirements.sha256
  fi
fi
# make the project's package (workflow/online_csa) importable by scripts, notebooks and tests
site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$PWD/workflow" > "$site/online_csa_project.pth"
export PATH="$PWD/.venv/bin:$PATH"
