"""random_subsets.smallest_per_row: the same responders as the argsort it replaces."""
import numpy as np

from online_csa.models.random_subsets import smallest_per_row


def _by_argsort(values: np.ndarray, k: int) -> np.ndarray:
    chosen = np.zeros(values.shape, dtype=bool)
    np.put_along_axis(chosen, np.argsort(values, axis=1)[:, :k], True, axis=1)
    return chosen


def test_it_marks_the_k_smallest_values_of_each_row_as_the_argsort_does():
    values = np.random.default_rng(5).random((400, 9))
    for k in range(0, 10):
        chosen = smallest_per_row(values, k)
        np.testing.assert_array_equal(chosen, _by_argsort(values, k))
        assert (chosen.sum(axis=1) == k).all()


def test_a_row_tied_at_the_kth_value_gets_the_argsorts_choice():
    values = np.array([[0.1, 0.5, 0.5, 0.9], [0.3, 0.2, 0.1, 0.4], [0.7, 0.7, 0.7, 0.7]])
    for k in range(0, 5):
        chosen = smallest_per_row(values, k)
        np.testing.assert_array_equal(chosen, _by_argsort(values, k))
        assert (chosen.sum(axis=1) == k).all()
