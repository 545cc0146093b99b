import pandas as pd

from online_csa.common.forces import ForceRegister
from online_csa.common.measures import classify_measure
from conftest import ROOT

SERIES = ["online_child_sexual_offences", "child_sexual_offences_all", "sexual_communication_with_child_offences"]


def test_every_spelling_of_a_force_maps_to_one_canonical_name():
    register = ForceRegister(pd.read_csv(ROOT / "data/raw/police_forces.csv", dtype=str))
    assert register.canonical("PSNI") == "Police Service of Northern Ireland"
    assert register.canonical("Police Service of Northern Ireland") == "Police Service of Northern Ireland"
    assert register.canonical("Devon & Cornwall") == "Devon and Cornwall"
    assert register.canonical("devon and cornwall") == "Devon and Cornwall"
    assert register.canonical("London, City of") == "City of London"
    assert register.canonical("Jersey") is None


def test_region_selection_folds_case(synthetic_forces):
    register = ForceRegister(synthetic_forces)
    assert register.select(regions=["NORTH"]) == ["Northshire"]
    assert register.select(nations=["England"], exclude=["South & Co"]) == ["Northshire"]


def test_measures_are_classified_by_name():
    assert classify_measure("online_child_sexual_offences", SERIES).kind == "count"
    change = classify_measure("online_child_sexual_offences_pct_change_lower_bound", SERIES)
    assert (change.kind, change.series, change.bound) == ("pct_change", "online_child_sexual_offences", "lower")
    assert classify_measure("online_child_sexual_offences_cumulative", SERIES).kind == "cumulative"
    assert classify_measure("online_child_sexual_offences_victim_aged_13", SERIES).kind == "age_count"
    share = classify_measure("online_share_of_child_sexual_offences_pct", SERIES)
    assert (share.kind, share.denominator) == ("share_pct", "child_sexual_offences_all")
    assert classify_measure("forces_responded", SERIES).kind == "response"
    assert classify_measure("grooming_offences_home_office", SERIES).kind == "other"
