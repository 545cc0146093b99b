"""The rules themselves: each says what it does, the report's categories follow the pipeline,
the captions say what the tables hold, and the rules files pass snakefmt and Snakemake's lint."""
import re
import subprocess
import sys

import pytest

from conftest import ROOT
from online_csa.cleaning.panel import STATUSES
from pipeline_helpers import copy_project, snakemake


def rules_files() -> list:
    """The Snakefile and the rules files it includes, in pipeline order."""
    snakefile = ROOT / "Snakefile"
    included = re.findall(r'^include: "([^"]+)"', snakefile.read_text(), re.MULTILINE)
    return [snakefile, *(ROOT / path for path in included)]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return copy_project(tmp_path_factory.mktemp("rules") / "project")


def test_every_rule_has_a_docstring(project):
    listed = snakemake(project, "--list-rules")
    assert listed.returncode == 0, listed.stderr[-3000:]
    rules = [line for line in listed.stdout.splitlines() if re.match(r"^\w+( |$)", line)]
    assert len(rules) > 30
    assert [line for line in rules if not re.match(r"^\w+ \(\S", line)] == []  # name (docstring ...


def test_report_categories_are_numbered_once_each_in_pipeline_order():
    categories = []
    for path in rules_files():
        for number, name in re.findall(r'category="(\d+)\. ([^"]+)"', path.read_text()):
            if (int(number), name) not in categories:
                categories.append((int(number), name))
    numbers = [number for number, _ in categories]
    assert numbers == list(range(1, len(categories) + 1)), categories  # distinct, gapless, in order
    assert len({name for _, name in categories}) == len(categories)
    assert [name for _, name in categories][:4] == ["Raw data", "Cleaning", "Claims", "Models"]


def test_the_panel_caption_names_every_status():
    caption = (ROOT / "workflow/report/panel.rst").read_text()
    assert [status for status in STATUSES if not re.search(rf"\b{status}\b", caption)] == []


def test_the_rules_files_are_formatted_with_snakefmt():
    pytest.importorskip("snakefmt", reason="snakefmt is pinned in requirements.txt: rebuild .venv with "
                                           "tools/bootstrap_venv.sh")
    files = [str(path.relative_to(ROOT)) for path in rules_files()]
    result = subprocess.run([sys.executable, "-m", "snakefmt", "--check", "--diff", *files], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]  # fix: snakefmt Snakefile workflow/rules


def test_snakemake_lint_finds_nothing(project):
    lint = snakemake(project, "--lint")
    assert lint.returncode == 0, (lint.stdout + lint.stderr)[-3000:]
