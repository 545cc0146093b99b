import json
import re
import subprocess
import sys

import pytest
import yaml
from snakemake.utils import validate

from conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
# numbers allowed in prose: years, fiscal years, chapter numbers, the unit of rates
ALLOWED_NUMBERS = re.compile(r"\b(19|20)\d\d(/\d\d)?\b|^#+ \d+\.|100,000|s\.15A|sha256")


def test_every_notebook_is_paired_and_in_sync():
    assert [p.stem for p in NOTEBOOKS] == [p.stem for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.py"))]
    result = subprocess.run([sys.executable, "tools/sync_notebooks.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebooks_have_no_outputs_and_keep_language_info(path):
    notebook = json.loads(path.read_text())
    assert notebook["metadata"]["language_info"]["name"] == "python"
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
    assert "/work/" not in path.read_text() and "/home/" not in path.read_text()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_number_is_typed_into_the_prose(path):
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            # a fenced block holds a model's equations (NB2, sigma^2), not a result
            prose = re.sub(r"```.*?```", "", "".join(cell["source"]), flags=re.S)
            for line in prose.splitlines():
                stripped = ALLOWED_NUMBERS.sub("", line)
                assert not re.search(r"\d", stripped), f"{path.name}: number typed by hand in {line!r}"


def load_config():
    return yaml.safe_load((ROOT / "config/config.yaml").read_text())


def test_config_validates_and_defaults_fill_in():
    config = load_config()
    validate(config, str(ROOT / "workflow/schemas/config.schema.yaml"))
    del config["cleaning"]["vintage_rule"]
    validate(config, str(ROOT / "workflow/schemas/config.schema.yaml"))
    assert config["cleaning"]["vintage_rule"] == "latest_release"


@pytest.mark.parametrize("change, message", [
    (lambda c: c.update(unknown_key=1), "unknown_key"),
    (lambda c: c["cleaning"].update(vintage_rule="median"), "median"),
    (lambda c: c["claims"].update(min_coverage_share=1.5), "1.5"),
    (lambda c: c["headline_checks"]["total_vintages"].update(records=["N0050", "X1"]), "X1"),
])
def test_bad_config_is_refused_with_the_key_named(change, message):
    config = load_config()
    change(config)
    with pytest.raises(Exception, match=message):
        validate(config, str(ROOT / "workflow/schemas/config.schema.yaml"))


def test_every_geography_label_in_the_ledger_is_mapped():
    import pandas as pd
    labels = set(pd.read_csv(ROOT / "data/raw/national_figures.csv")["geography"])
    mapped = set(yaml.safe_load((ROOT / "config/geographies.yaml").read_text())["labels"])
    assert labels - mapped == set()


def test_environment_yml_installs_exactly_the_pinned_requirements():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d for d in environment["dependencies"] if isinstance(d, dict))["pip"]
    assert pip == ["-r requirements.txt"]
    # its python range is checked against pyproject.toml in test_python_versions.py
    pins = (ROOT / "requirements.txt").read_text().splitlines()
    assert all("==" in line for line in pins if line and not line.startswith("#"))
    for package in ["snakemake==9.27.1", "pandas==2.3.3", "seaborn==0.13.2", "statsmodels==0.15.0", "pytest=="]:
        assert any(line.startswith(package) for line in pins), package


def test_the_national_series_figure_draws_only_defined_geographies():
    geographies = yaml.safe_load((ROOT / "config/geographies.yaml").read_text())
    assert set(geographies["national_series_figure"]) <= set(geographies["geographies"])


def test_a_figure_geography_that_is_not_defined_is_refused(synthetic_forces):
    from online_csa.common.forces import ForceRegister
    from online_csa.common.geographies import GeographyMap

    definitions = {"geographies": {"north": {"nations": ["England"]}}, "national_series_figure": {"south": "South"}}
    with pytest.raises(ValueError, match="national_series_figure names undefined geography 'south'"):
        GeographyMap(definitions, ForceRegister(synthetic_forces))
