from online_csa.code_dependencies import package_files
from conftest import ROOT

PACKAGE = ROOT / "workflow/online_csa"


def names(entry):
    return {p.rsplit("/", 1)[1] for p in package_files(ROOT / entry, PACKAGE)}


def test_a_script_depends_on_what_it_imports_directly_and_through_other_modules():
    claims = names("workflow/scripts/check_claims.py")
    # direct imports, and panel/measures/routing reached only through claims and schemas
    assert {"claims.py", "headline_checks.py", "tables.py", "script_logging.py", "panel.py", "measures.py",
            "routing.py", "__init__.py"} <= claims
    assert "figures.py" not in claims and "report.py" not in claims


def test_a_notebook_depends_on_the_modules_its_paired_text_imports():
    assert names("notebooks/03-claims.py") == {"__init__.py", "narrative.py", "notebook_context.py", "tables.py"}
    assert names("workflow/scripts/render_report.py") == {"__init__.py", "report.py", "script_logging.py"}


def test_relative_and_absolute_imports_are_both_followed(tmp_path):
    package = tmp_path / "online_csa"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from .b import thing\n")
    (package / "b.py").write_text("thing = 1\n")
    (package / "c.py").write_text("import os\n")
    entry = tmp_path / "script.py"
    entry.write_text("import online_csa.a\nfrom online_csa import c\n")
    assert {p.rsplit("/", 1)[1] for p in package_files(entry, package)} == {"__init__.py", "a.py", "b.py", "c.py"}


def test_imports_inside_functions_over_several_lines_or_after_a_backslash_are_found(tmp_path):
    package = tmp_path / "online_csa"
    package.mkdir()
    for name in ("__init__", "lazy", "wrapped", "continued", "in_text", "d", "e"):
        (package / f"{name}.py").write_text("")
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
    assert {p.rsplit("/", 1)[1] for p in package_files(entry, package)} == {
        "__init__.py", "lazy.py", "wrapped.py", "d.py", "e.py", "continued.py"}


def test_a_changed_module_is_read_again(tmp_path):
    package = tmp_path / "online_csa"
    package.mkdir()
    for name in ("__init__", "a", "b"):
        (package / f"{name}.py").write_text("")
    entry = tmp_path / "script.py"
    entry.write_text("from online_csa import a\n")
    assert {p.rsplit("/", 1)[1] for p in package_files(entry, package)} == {"__init__.py", "a.py"}
    entry.write_text("from online_csa import a, b\n# longer now, so the change shows even within one tick\n")
    assert {p.rsplit("/", 1)[1] for p in package_files(entry, package)} == {"__init__.py", "a.py", "b.py"}
