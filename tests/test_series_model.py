"""The fitted series the model-stage jobs share (models/series_model.py): written once by
fit_count_models, read back by each job as the fit it would have made itself."""
import numpy as np
import pandas as pd

from online_csa.models.mixed_negative_binomial import fit_mixed_negative_binomial
from online_csa.models.selection_imputation import impute_with_selection
from online_csa.models.series_model import SeriesModel, load_series_models, save_series_models
from test_selection_imputation import synthetic_selected_panel


def test_a_saved_series_model_reads_back_as_the_same_fit_and_imputes_the_same_draws(tmp_path):
    cells, names, totals = synthetic_selected_panel(2, forces=12, years=4)
    fit = fit_mixed_negative_binomial(cells[cells["observed"]], names, sorted(cells["year"].unique()))
    path = tmp_path / "series_models.pickle"
    save_series_models([SeriesModel("synthetic_series", cells, fit, totals)], path)
    (loaded,) = load_series_models(path)
    assert loaded.series == "synthetic_series"
    pd.testing.assert_frame_equal(loaded.frame, cells)
    np.testing.assert_array_equal(loaded.fit.params, fit.params)
    np.testing.assert_array_equal(loaded.fit.cov, fit.cov)
    assert [c.record_id for c in loaded.candidates] == [c.record_id for c in totals]
    # the same draws, bit for bit, as from the fit made in this process
    direct = impute_with_selection(cells, fit, totals, 200, 5)
    shared = impute_with_selection(loaded.frame, loaded.fit, loaded.candidates, 200, 5)
    np.testing.assert_array_equal(direct.draws, shared.draws)
    # each read is a copy of its own: a job that changes its candidates changes no other job's
    loaded.candidates[0].applied = not loaded.candidates[0].applied
    assert load_series_models(path)[0].candidates[0].applied == totals[0].applied
