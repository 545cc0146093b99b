#!/usr/bin/env bash
# Run the test suite (unit tests, notebook checks, lint, and an end-to-end run of the DAG in
# a temporary copy). Extra arguments go to pytest, e.g. ./run_tests.sh -k claims
set -euo pipefail
cd "$(dirname "$0")"
source tools/bootstrap_venv.sh --with-cluster-plugins
# Two tests need Debian packages: the explorer's browser test drives chromium through Playwright,
# and the PDF test reads the report's text with pdftotext (poppler-utils).
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v pdftotext >/dev/null || missing+=(poppler-utils)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing Debian's ${missing[*]} for the browser and PDF-text tests"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "NOTE: ${missing[*]} missing and cannot be installed here (needs root and apt-get):" \
             "tests/test_explorer_in_browser.py and the PDF-text checks will be SKIPPED" >&2
    fi
fi
python -m pytest "$@"
