#!/usr/bin/env bash
# Create or refresh .venv from the pinned requirements.txt. Sourced by run_pipeline.sh and
# run_tests.sh; needs only Python 3.11 on the PATH (python3.11, or python3 if that is 3.11).
# With --with-cluster-plugins (run_tests.sh) it also puts the pinned executor plugins of
# requirements-cluster.txt in .venv/cluster-plugins, a folder the pipeline never sees unless
# it is put on PYTHONPATH (the profile tests do that).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

pick_python() {
  for candidate in "${PYTHON:-}" python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "error: Python 3.11 not found (set PYTHON=/path/to/python3.11)" >&2
  return 1
}

wanted=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat .venv/.requirements.sha256 2>/dev/null)" != "$wanted" ]; then
  python=$(pick_python)
  echo "setting up .venv from requirements.txt with $python (about a minute) ..." >&2
  rm -rf .venv
  "$python" -m venv .venv
  # a lock file: every package is listed, so pip adds nothing of its own (see requirements.txt)
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.txt
  .venv/bin/python -m pip check >&2
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
