"""Shared fixtures. Everything called synthetic_* is hand-made test data, never real figures."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]

FORCE_COLUMNS = ["record_id", "force", "nation", "fiscal_year", "measure", "value", "qualifier", "source_url",
                 "source_title", "source_date"]
NATIONAL_COLUMNS = ["record_id", "release_date", "fiscal_year", "geography", "measure", "value", "forces_responded",
                    "forces_asked", "source_url"]


@pytest.fixture
def synthetic_forces() -> pd.DataFrame:
    """Three made-up forces in two regions."""
    return pd.DataFrame({
        "force": ["Northshire", "Southshire", "Eastshire"],
        "short_name": ["Northshire", "South & Co", "Eastshire"],
        "ons_code": ["X00000001", "X00000002", "X00000003"],
        "nation": ["England", "England", "Wales"],
        "region": ["North", "South", "Wales"],
    })


@pytest.fixture
def synthetic_population() -> pd.DataFrame:
    rows = [(f, y, "0-17", p) for f, p in [("Northshire", 100000), ("Southshire", 200000), ("Eastshire", 50000)]
            for y in range(2015, 2020)]
    frame = pd.DataFrame(rows, columns=["force", "mid_year", "age_band", "population"])
    frame["ons_code"], frame["derivation"], frame["source_url"] = "X", "synthetic", "none"
    return frame


def synthetic_force_rows(rows: list[tuple]) -> pd.DataFrame:
    """rows of (record_id, force, fiscal_year, measure, value, qualifier, source_date)."""
    frame = pd.DataFrame(rows, columns=["record_id", "force", "fiscal_year", "measure", "value", "qualifier",
                                        "source_date"])
    frame["nation"], frame["source_url"], frame["source_title"] = "England", "https://example.invalid", "synthetic"
    frame["value"] = frame["value"].astype(object).map(lambda v: None if pd.isna(v) else str(v))
    return frame[FORCE_COLUMNS]


def synthetic_national_rows(rows: list[tuple]) -> pd.DataFrame:
    """rows of (record_id, release_date, fiscal_year, geography, measure, value)."""
    frame = pd.DataFrame(rows, columns=["record_id", "release_date", "fiscal_year", "geography", "measure", "value"])
    frame["forces_responded"], frame["forces_asked"], frame["source_url"] = None, None, "https://example.invalid"
    frame["value"] = frame["value"].astype(object).map(lambda v: None if pd.isna(v) else str(v))
    return frame[NATIONAL_COLUMNS]


def selected_means(mu, size: float, printing_probability) -> tuple[np.ndarray, np.ndarray]:
    """For synthetic counts y ~ NB(size, mean mu) printed with probability printing_probability(y, mu):
    E[y | printed] and E[y | not printed] for each mu, summed exactly over the NB pmf (to far
    beyond the upper tail). The truth of a selection factor is their ratio: the selection-aware
    model's exp(s) is the mean of an unprinted cell over what the model gives a printed cell of
    the same force and year, and the model of the printed cells fits their selected mean."""
    printed, unprinted = [], []
    for m in np.atleast_1d(np.asarray(mu, dtype=float)):
        y = np.arange(int(stats.nbinom.ppf(1 - 1e-12, size, size / (size + m))) + 1)
        pmf = stats.nbinom.pmf(y, size, size / (size + m))
        p = printing_probability(y, m)
        printed.append(np.sum(y * p * pmf) / np.sum(p * pmf))
        unprinted.append(np.sum(y * (1 - p) * pmf) / np.sum((1 - p) * pmf))
    return np.array(printed), np.array(unprinted)


SERIES = [
    {"name": "online_child_sexual_offences", "label": "online"},
    {"name": "child_sexual_offences_all", "label": "all"},
    {"name": "sexual_communication_with_child_offences", "label": "s15a", "first_fiscal_year": "2017/18"},
]
NO_CORRECTIONS = pd.DataFrame(columns=["record_id", "action", "reason"])


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory) -> Path:
    """The whole DAG run once, cold, on the real ledger in a clean temporary copy."""
    from pipeline_helpers import copy_project, snakemake

    workdir = copy_project(tmp_path_factory.mktemp("pipeline") / "project")
    result = snakemake(workdir, "--cores", "2")
    assert result.returncode == 0, result.stderr[-4000:]
    return workdir
