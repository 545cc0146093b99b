"""The pipeline is generic over series: a second series with the same shape as the online one
needs data and a line of config, not code. The series here is synthetic."""
import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import NO_CORRECTIONS, selected_means, synthetic_force_rows, synthetic_national_rows
from online_csa.common.geographies import GeographyMap
from online_csa.cleaning.clean_ledger import clean_ledger
from online_csa.models.imputation import force_year_estimates, impute_missing_cells
from online_csa.models.model_panel import model_frame
from online_csa.models.negative_binomial import fit_negative_binomial
from pipeline_helpers import append_rows, copy_project, register_checksum, snakemake

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


REGIONS = {"wales": "Wales", "east_of_england": "East of England", "yorkshire_humber": "Yorkshire and the Humber",
           "south_west": "South West England"}


def printing_probability(count, mu):
    """The synthetic series' printing rule: the higher a count against its mean, the likelier printed."""
    return 1 / (1 + np.exp(-(4 * (np.log(np.asarray(count) + 1) - np.log(mu)) - 0.5)))


@pytest.mark.pipeline
def test_a_second_series_dropped_in_as_data_gets_selection_aware_imputation(tmp_path):
    """A synthetic second series, added by the procedure in data/README.md (force rows plus
    regional totals only) and named in `models.series`: its printed forces are selected on their
    counts; with no code change and no constraint listed by hand, its regional totals constrain
    the imputation and its selection factor is recovered."""
    project = copy_project(tmp_path / "second_series")
    geographies = GeographyMap.from_files(project / "config/geographies.yaml", project / "data/raw/police_forces.csv")
    register = pd.read_csv(project / "data/raw/police_forces.csv", dtype=str).set_index("force")
    children = pd.read_csv(project / "data/raw/child_population.csv")
    children = children[children["age_band"] == "0-17"].set_index(["force", "mid_year"])["population"]
    forces = geographies.geographies["ewni"].forces
    # counts scale with a force's children, as real ones do (the model's offset): a rate per child
    # spread lognormally around the one that gives the median force 60 a year, growing 10% a year
    typical_rate = 60 / float(np.median([children[(force, 2016)] for force in forces]))
    rng = np.random.default_rng(12)
    years = range(2016, 2022)
    force_rows, national_rows, truth = [], [], []
    for force in forces:
        rate = rng.lognormal(np.log(typical_rate), 0.6)
        for year in years:
            mu = rate * children[(force, year)] * 1.1 ** (year - 2016)
            value = int(rng.negative_binomial(20, 20 / (20 + mu)))
            printed = rng.random() < printing_probability(value, mu)
            fiscal_year = f"{year}/{(year + 1) % 100:02d}"
            truth.append({"force": force, "year": year, "value": value, "mu": mu, "printed": printed})
            if printed:
                force_rows.append(f"F9{len(force_rows):03d},{force},{register.loc[force, 'nation']},{fiscal_year},"
                                  f"{SYNTHETIC},{value},,https://example.invalid/synthetic-series,Synthetic series,"
                                  f"{year + 1}-09")
    truth = pd.DataFrame(truth)
    for r, (gid, label) in enumerate(REGIONS.items()):
        forces = geographies.geographies[gid].forces
        for year in years:
            total = int(truth.loc[truth["force"].isin(forces) & (truth["year"] == year), "value"].sum())
            national_rows.append(f"N9{r}{year - 2016:02d},{year + 1}-09-01,{year}/{(year + 1) % 100:02d},{label},"
                                 f"{SYNTHETIC},{total},{len(forces)},{len(forces)},https://example.invalid/synthetic")
    append_rows(project / "data/raw/force_figures.csv", force_rows)
    append_rows(project / "data/raw/national_figures.csv", national_rows)
    for relative in ("data/raw/force_figures.csv", "data/raw/national_figures.csv"):
        register_checksum(project, relative)
    config = yaml.safe_load((project / "config/config.yaml").read_text())
    config["series"].append({"name": SYNTHETIC, "label": "A synthetic second series"})
    config["models"]["series"].append(SYNTHETIC)
    (project / "config/config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))

    result = snakemake(project, "--cores", "2", "results/tables/selection_factors.csv",
                       "results/tables/imputation_constraints.csv")
    assert result.returncode == 0, result.stderr[-3000:]
    constraints = pd.read_csv(project / "results/tables/imputation_constraints.csv", dtype={"applied": str})
    mine = constraints[constraints["series"] == SYNTHETIC]
    assert set(mine["record_id"]) == {row.split(",")[0] for row in national_rows}
    assert (mine["applied"].str.lower() == "true").all(), mine[["record_id", "reason"]].to_string()
    factors = pd.read_csv(project / "results/tables/selection_factors.csv")
    factors = factors[(factors["series"] == SYNTHETIC) & factors["constrained"].astype(str).str.lower().eq("true")
                      & (factors["forces"] == "printed in another year")]
    assert len(factors) == len(years)
    # the truth: exp(s_t + g) is the mean of an unprinted cell over the mean the model gives a
    # printed cell of the same force and year, which (fitted to printed cells) is their selected
    # mean; so per year, over the unprinted cells the regional totals speak about, of forces
    # printed in another year: the sum of E[count | not printed] over the sum of E[count | printed]
    truth["printed_mean"], truth["unprinted_mean"] = selected_means(truth["mu"], 20, printing_probability)
    in_regions = truth["force"].isin(set().union(*(geographies.geographies[gid].forces for gid in REGIONS)))
    unprinted = truth[~truth["printed"] & in_regions & truth["force"].isin(set(truth.loc[truth["printed"], "force"]))]
    covered, one_excluded = [], []
    for row in factors.itertuples():
        cells = unprinted[unprinted["year"] == int(row.fiscal_year[:4])]
        true_factor = cells["unprinted_mean"].sum() / cells["printed_mean"].sum()
        assert true_factor < 1 and row.multiplier < 1
        covered.append(row.lower_90 <= true_factor <= row.upper_90)
        one_excluded.append(row.upper_90 < 1)  # 1: the factor a model without selection assumes
    assert sum(covered) >= len(years) - 1, factors.to_string()
    assert sum(one_excluded) >= len(years) - 1, factors.to_string()
