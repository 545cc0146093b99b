"""The pipeline is generic over series: a second series with the same shape as the online one
needs data and a line of config, not code. The series here is synthetic."""
import numpy as np
import pandas as pd

from conftest import NO_CORRECTIONS, synthetic_force_rows, synthetic_national_rows
from online_csa.cleaning.clean_ledger import clean_ledger
from online_csa.models.imputation import force_year_estimates, impute_missing_cells
from online_csa.models.model_panel import model_frame
from online_csa.models.negative_binomial import fit_negative_binomial

SYNTHETIC = "synthetic_second_series"
SERIES = [{"name": "online_child_sexual_offences", "label": "online"},
          {"name": SYNTHETIC, "label": "A made-up second series", "first_fiscal_year": "2016/17"}]


def test_a_second_series_flows_from_ledger_rows_to_imputed_cells(synthetic_forces, synthetic_population):
    rows, counter = [], 0
    for force, base in [("Northshire", 20), ("Southshire", 45), ("Eastshire", 9)]:
        for year in range(2016, 2020):
            counter += 1
            if (force, year) == ("Eastshire", 2018):
                continue  # a gap for the model to fill
            rows.append((f"F{counter:04d}", force, f"{year}/{(year + 1) % 100:02d}", SYNTHETIC, base + 5 * (year - 2016),
                         None, f"{year + 1}-09"))
    rows.append(("F0099", "Northshire", "2015/16", SYNTHETIC, 3, None, "2016-09"))  # before the series began
    cleaned = clean_ledger(synthetic_force_rows(rows), synthetic_national_rows([]), synthetic_forces,
                           synthetic_population, NO_CORRECTIONS, SERIES, "2015/16", "latest_release", "0-17")
    panel = cleaned.panel[cleaned.panel["series"] == SYNTHETIC].set_index(["force", "fiscal_year"])
    assert panel.loc[("Southshire", "2019/20"), "value"] == 60
    assert panel.loc[("Eastshire", "2018/19"), "status"] == "missing"
    assert panel.loc[("Northshire", "2015/16"), "status"] == "not_applicable"  # first_fiscal_year from config
    # the 2015/16 row counts a year before the series began: quarantined with its reason, not placed
    rejected = cleaned.rejected.set_index("record_id").loc["F0099"]
    assert (rejected["field"], rejected["reason"]) == ("fiscal_year", "before_series_start")

    frame = model_frame(cleaned.panel, SYNTHETIC, ["Northshire", "Southshire", "Eastshire"])
    assert len(frame) == 12 and frame["observed"].sum() == 11
    fit = fit_negative_binomial(frame[frame["observed"]])
    estimates = force_year_estimates(impute_missing_cells(frame, fit, [], draws=2000, seed=2))
    gap = estimates[(estimates["force"] == "Eastshire") & (estimates["fiscal_year"] == "2018/19")].iloc[0]
    assert gap["method"] == "nb_prediction" and 5 <= gap["estimate"] <= 40
    assert np.isclose(estimates.loc[estimates["status"] == "observed", "estimate"].sum(),
                      pd.to_numeric(panel["value"]).sum())
