"""What each job process imports at start-up: the pipeline's cost is mostly process start-up, so
a heavy import that creeps back in is a regression (measured in tools/benchmark_pipeline.py)."""
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
