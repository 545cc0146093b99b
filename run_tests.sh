#!/usr/bin/env bash
# Run the test suite (unit tests, notebook checks, lint, and an end-to-end run of the DAG in
# a temporary copy). Extra arguments go to pytest, e.g. ./run_tests.sh -k claims
set -euo pipefail
cd "$(dirname "$0")"
source tools/bootstrap_venv.sh --with-cluster-plugins
# The browser test of the assumptions explorer drives Debian's Chromium through Playwright.
if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing Debian's chromium for the browser test"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "NOTE: /usr/bin/chromium is missing and cannot be installed here (needs root and apt-get):" \
             "the explorer's browser test (tests/test_explorer_in_browser.py) will be SKIPPED" >&2
    fi
fi
python -m pytest "$@"
