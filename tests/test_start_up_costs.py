"""What each job process imports at start-up: the pipeline's cost is mostly process start-up, so
a heavy import that creeps back in is a regression (measured in tools/benchmark_pipeline.py)."""
import os
import subprocess
import sys

from conftest import ROOT


def imported_after(statement: str) -> set[str]:
    """Top-level and scipy modules loaded by a fresh interpreter running `statement`."""
    code = (f"import sys; sys.path.insert(0, {str(ROOT / 'workflow')!r}); {statement}; "
            "print('\\n'.join(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_figure_jobs_load_seaborn_without_scipy_stats_and_it_still_works_later():
    modules = imported_after("import online_csa.figures.data_figures, online_csa.figures.model_figures")
    assert "seaborn" in modules and "matplotlib.pyplot" in modules
    assert "scipy.stats" not in modules and "scipy.cluster" not in modules
    assert "ipywidgets" not in modules and "IPython" not in modules
    # hidden only while seaborn loads: importing them afterwards works
    assert "scipy.stats" in imported_after("import online_csa.figures.data_figures; import scipy.stats; scipy.stats.norm.ppf(0.5)")


def test_the_sensitivity_and_calibration_jobs_do_not_import_scipy_stats_or_statsmodels():
    modules = imported_after("import online_csa.sensitivity.monte_carlo, online_csa.sensitivity.distributions, "
                             "online_csa.sensitivity.tipping_points, online_csa.sensitivity.recorded_totals, "
                             "online_csa.models.imputation, online_csa.models.calibration")
    assert "scipy.stats" not in modules and "statsmodels" not in modules


def test_checking_the_config_does_not_load_jsonschemas_format_libraries():
    modules = imported_after("import online_csa.configuration.validation as c; c._import_jsonschema()")
    assert "jsonschema" in modules
    assert not {"rfc3987_syntax", "isoduration", "arrow", "webcolors"} & modules
    # the format libraries were hidden during the import only
    assert "idna" in imported_after("import online_csa.configuration.validation as c; c._import_jsonschema(); import idna")


def test_snakemakes_params_check_imports_pandas_only_when_a_param_could_be_a_pandas_object():
    """The patch (rule_support/snakemake_start_up.py) gives Snakemake's own serialisation of every param: without
    pandas imported, that of a builtin value, with no import; once pandas is imported, a DataFrame's hash."""
    code = f"""
import sys; sys.path.insert(0, {str(ROOT / 'workflow')!r})
from snakemake.persistence import PersistenceBase
from online_csa.rule_support.snakemake_start_up import serialise_params_without_importing_pandas
assert serialise_params_without_importing_pandas()  # the pinned Snakemake has the method patched
assert serialise_params_without_importing_pandas()  # twice is once
persistence = type("Persistence", (), {{name: getattr(PersistenceBase, name)  # the abstract class's two methods
                                        for name in ("_serialize_param_pandas", "_serialize_param_builtin")}})()
values = [{{"a": [1, 2.5]}}, "text", 3, ("x", None)]
patched = [persistence._serialize_param_pandas(v) for v in values]
print("pandas" in sys.modules, patched == [persistence._serialize_param_builtin(v) for v in values])
import pandas as pd
frame = pd.DataFrame({{"a": [1, 2]}})
print(persistence._serialize_param_pandas(frame) == repr(pd.util.hash_pandas_object(frame).tolist()))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True", "True"]


def test_nbformat_stands_in_until_first_used_and_then_is_the_real_module():
    """Snakemake imports nbformat for every script job it looks at; the stand-in (rule_support/snakemake_start_up.py)
    makes that import free, and the first use imports the real module, which works as ever."""
    code = f"""
import sys; sys.path.insert(0, {str(ROOT / 'workflow')!r})
from online_csa.rule_support.snakemake_start_up import import_nbformat_lazily
print(import_nbformat_lazily(), import_nbformat_lazily() is False)
import nbformat
print("jsonschema" in sys.modules, "nbformat.v4" in sys.modules)
held = nbformat
text = nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A")]))
print(nbformat.reads(text, as_version=4).cells[0].source, sys.modules["nbformat"].__file__ == held.__file__,
      held.reads is sys.modules["nbformat"].reads)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "True", "False", "False", "#", "A", "True", "True"]


def test_a_dry_run_of_the_workflow_imports_neither_nbformat_nor_pandas():
    code = """
import sys
from snakemake.cli import main
try:
    main(["-n", "--quiet", "--cores", "1"])
except SystemExit as end:
    stand_in = type(sys.modules.get("nbformat")).__name__ == "_ImportedOnFirstUse"
    print(end.code, stand_in, "nbformat.v4" in sys.modules, "pandas" in sys.modules)
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "workflow")}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env=env).stdout.split()
    assert out[-4:] == ["0", "True", "False", "False"]  # (jsonschema may load: a first run checks the config)
