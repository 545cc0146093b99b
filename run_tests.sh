#!/usr/bin/env bash
# Run the test suite (unit tests, notebook checks, lint, and an end-to-end run of the DAG in
# a temporary copy). Extra arguments go to pytest, e.g. ./run_tests.sh -k claims
set -euo pipefail
cd "$(dirname "$0")"
source tools/bootstrap_venv.sh --with-cluster-plugins
python -m pytest "$@"
