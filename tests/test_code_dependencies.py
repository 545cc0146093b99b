import functools
from pathlib import Path

from online_csa.rule_support import job_server
from online_csa.rule_support.code_dependencies import NOT_CODE_DEPENDENCIES, modules_imported_at_load, package_files
from conftest import ROOT

PACKAGE = ROOT / "workflow/online_csa"


def names(entry):
    """Package files as paths inside the package, e.g. 'claims/checks.py'."""
    return {str(p).split("workflow/online_csa/", 1)[1] for p in package_files(ROOT / entry, PACKAGE)}


def test_a_script_depends_on_what_it_imports_directly_and_through_other_modules():
    claims = names("workflow/scripts/check_claims.py")
    # direct imports, and checks/panel/measures/routing reached only through the claims modules and the table schemas
    assert {"claims/check_claims.py", "claims/checks.py", "claims/headline_checks.py", "common/tables.py",
            "rule_support/pipeline_job.py",
            "cleaning/panel.py", "common/measures.py", "cleaning/routing.py", "__init__.py", "claims/__init__.py",
            "cleaning/__init__.py", "common/__init__.py"} <= claims
    assert not any(name.startswith(("figures/", "report/", "models/")) for name in claims)


def test_a_notebook_depends_on_the_modules_its_paired_text_imports():
    assert names("notebooks/03-claims.py") == {
        "__init__.py", "report/__init__.py", "report/narrative.py", "rule_support/__init__.py",
        "rule_support/pipeline_job.py", "common/__init__.py", "common/tables.py", "common/contracts.py",
        "common/formatting.py"}
    assert names("workflow/scripts/render_report.py") == {
        "__init__.py", "report/__init__.py", "report/html_report.py", "report/findings.py", "report/narrative.py",
        "report/run_stamp.py", "common/__init__.py", "common/formatting.py", "rule_support/__init__.py",
        "rule_support/pipeline_job.py", "sensitivity/__init__.py", "sensitivity/support_words.py"}


def files_of(entry, package):
    return {p.relative_to(package).as_posix() for p in map(type(package), package_files(entry, package))}


def make_package(root, files: dict[str, str]):
    package = root / "online_csa"
    for name, text in files.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return package


def test_relative_and_absolute_imports_are_both_followed(tmp_path):
    package = make_package(tmp_path, {"__init__.py": "", "a.py": "from .b import thing\n", "b.py": "thing = 1\n",
                                      "c.py": "import os\n"})
    entry = tmp_path / "script.py"
    entry.write_text("import online_csa.a\nfrom online_csa import c\n")
    assert files_of(entry, package) == {"__init__.py", "a.py", "b.py", "c.py"}


def test_subpackages_at_any_depth_relative_levels_and_init_re_exports(tmp_path):
    package = make_package(tmp_path, {
        "__init__.py": "",
        "stage/__init__.py": "from .public import api  # re-export\n",
        "stage/public.py": "from ..common.years import parse\nfrom . import helper\napi = 1\n",
        "stage/helper.py": "from .deep.inner import x\n",
        "stage/deep/__init__.py": "",
        "stage/deep/inner.py": "from ...common import labels\nx = 1\n",
        "common/__init__.py": "",
        "common/years.py": "parse = 1\n",
        "common/labels.py": "",
        "other/__init__.py": "",
        "other/unused.py": "",
    })
    entry = tmp_path / "script.py"
    entry.write_text("from online_csa.stage import api\n")
    assert files_of(entry, package) == {
        "__init__.py", "stage/__init__.py", "stage/public.py", "stage/helper.py", "stage/deep/__init__.py",
        "stage/deep/inner.py", "common/__init__.py", "common/years.py", "common/labels.py"}
    # a submodule imported by name from its package, and a dotted absolute import
    entry.write_text("from online_csa.common import labels\nimport online_csa.other.unused\n")
    assert files_of(entry, package) == {"__init__.py", "common/__init__.py", "common/labels.py",
                                        "other/__init__.py", "other/unused.py"}


def test_imports_inside_functions_over_several_lines_or_after_a_backslash_are_found(tmp_path):
    package = make_package(tmp_path, {f"{name}.py": "" for name in
                                      ("__init__", "lazy", "wrapped", "continued", "in_text", "d", "e")})
    entry = tmp_path / "script.py"
    entry.write_text(
        '"""Docs that mention the word\nimport online_csa.in_text as prose, not code."""\n'
        "def fit():\n"
        "    from online_csa import lazy\n"
        "from online_csa import (\n"
        "    wrapped,  # a comment\n"
        "    d,\n"
        ")\n"
        "import os, online_csa.e\n"
        "from online_csa import \\\n"
        "    continued\n")
    assert files_of(entry, package) == {"__init__.py", "lazy.py", "wrapped.py", "d.py", "e.py", "continued.py"}


def test_a_changed_module_is_read_again(tmp_path):
    package = make_package(tmp_path, {f"{name}.py": "" for name in ("__init__", "a", "b")})
    entry = tmp_path / "script.py"
    entry.write_text("from online_csa import a\n")
    assert files_of(entry, package) == {"__init__.py", "a.py"}
    entry.write_text("from online_csa import a, b\n# longer now, so the change shows even within one tick\n")
    assert files_of(entry, package) == {"__init__.py", "a.py", "b.py"}


# ---- the real package, checked against the standard library's own import finder -------------

def rule_entries() -> dict[str, str]:
    """{rule: the script or notebook text whose imports are its code input}, read from the rule files."""
    import re

    entries = {}
    for smk in sorted((ROOT / "workflow/rules").glob("*.smk")):
        for name, body in re.findall(r"^rule (\w+):\n((?:[ \t]+.*\n|\n)*)", smk.read_text(), re.MULTILINE):
            found = re.search(r'code=code\(((?:"[^"]+"(?:, )?)+)\)', body)
            if found:
                entries[name] = tuple(re.findall(r'"([^"]+)"', found.group(1)))
    return entries


@functools.lru_cache(maxsize=None)
def finder_files(entries: tuple[str, ...]) -> frozenset[str]:
    """The package files Python's modulefinder says the entries import (an oracle independent of ours)."""
    from modulefinder import ModuleFinder

    found = set()
    for entry in entries:
        finder = ModuleFinder(path=[str(ROOT / "workflow")])  # only the package: third-party imports are skipped
        finder.run_script(str(ROOT / entry))
        found |= {str(Path(m.__file__).relative_to(PACKAGE).as_posix()) for name, m in finder.modules.items()
                  if name.split(".")[0] == "online_csa" and m.__file__ and name not in NOT_CODE_DEPENDENCIES}
    return frozenset(found)


def code_files(entries: tuple[str, ...]) -> set[str]:
    """What a rule's code input lists: the package files its script and notebook import."""
    return {path for entry in entries for path in package_files(ROOT / entry, PACKAGE)}


def test_every_rule_has_a_code_input_and_it_matches_modulefinder():
    entries = rule_entries()
    assert len(entries) >= 20  # every script and notebook rule
    for rule, entry in entries.items():
        ours = {str(Path(p).relative_to(PACKAGE).as_posix()) for p in code_files(entry)}
        assert ours == finder_files(entry), rule


def test_editing_a_module_of_each_subpackage_concerns_exactly_the_rules_that_import_it():
    """Snakemake reruns a rule when a file among its inputs changes; each subpackage's modules are
    inputs of exactly the rules whose script or notebook reaches them."""
    entries = rule_entries()
    needs = {rule: code_files(entry) for rule, entry in entries.items()}
    subpackages = sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py"))
    assert {"raw_data", "cleaning", "claims", "models", "sensitivity", "figures", "report", "configuration",
            "common"} <= set(subpackages)
    for sub in subpackages:
        for module in sorted((PACKAGE / sub).glob("*.py")):
            users = {rule for rule, files in needs.items() if str(module) in files}
            oracle = {rule for rule, entry in entries.items()
                      if module.relative_to(PACKAGE).as_posix() in finder_files(entry)}
            assert users == oracle, module


def test_the_job_server_is_how_a_job_starts_not_what_it_computes():
    """Every script imports it (through rule_job), yet changing it reruns no job."""
    assert "rule_support/pipeline_job.py" in names("workflow/scripts/run_sensitivity.py")
    assert "rule_support/job_server.py" not in names("workflow/scripts/run_sensitivity.py")


def test_the_plan_names_the_late_modules_a_job_imports_as_it_loads(tmp_path):
    """A module imported at a file's top level is planned; one imported only inside a function is not (the job
    imports it if it calls that function); a job that imports none of them plans none."""
    script = tmp_path / "script.py"
    script.write_text("import pandas as pd\nfrom scipy import stats\n\n\ndef fit():\n"
                      "    import statsmodels.api as sm\n    return sm\n")
    module = tmp_path / "module.py"
    module.write_text("import statsmodels.formula.api as smf\n")
    plain = tmp_path / "plain.py"
    plain.write_text("import numpy\n\n\ndef check():\n    import pandera.pandas as pa\n")
    assert modules_imported_at_load([[script], [plain]], job_server.LATE_MODULES) == ["scipy.stats"]
    both = ["scipy.stats", "statsmodels.formula.api"]
    assert modules_imported_at_load([[script, module]], job_server.LATE_MODULES) == both
    assert modules_imported_at_load([[plain]], job_server.LATE_MODULES) == []
    assert modules_imported_at_load([], job_server.LATE_MODULES) == []


def loads(entry: str) -> list[Path]:
    """What a job of this entry loads: the entry and the package modules it imports."""
    return [ROOT / entry, *map(Path, package_files(ROOT / entry, ROOT / "workflow/online_csa"))]


def test_a_rerun_after_an_assumption_plans_no_late_module_and_the_cold_run_plans_pandera_and_statsmodels():
    """The sensitivity-to-report jobs import none of the late modules as they load; cleaning imports pandera and
    the flag propensity fit statsmodels."""
    rerun = ["workflow/scripts/run_sensitivity.py", "workflow/scripts/compare_scenarios.py",
             "workflow/scripts/write_assumptions_explorer.py", "workflow/scripts/summarise_findings.py",
             "workflow/scripts/render_report.py", "workflow/scripts/render_pdf.py",
             "workflow/scripts/write_ro_crate.py",
             "workflow/scripts/execute_notebook.py", "notebooks/05-sensitivity.py", "notebooks/06-scenarios.py",
             "notebooks/07-provenance.py"]
    assert modules_imported_at_load(map(loads, rerun), job_server.LATE_MODULES) == []
    cold = [*rerun, "workflow/scripts/clean_ledger.py", "workflow/scripts/fit_flag_propensity.py"]
    assert modules_imported_at_load(map(loads, cold), job_server.LATE_MODULES) == ["pandera.pandas", "statsmodels.api"]
