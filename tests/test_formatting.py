"""Numbers as claims.csv and the report's prose print them."""
import numpy as np
import pandas as pd
import pytest

from online_csa.common.formatting import format_number
from online_csa.report.narrative import n


@pytest.mark.parametrize("value, digits, text", [
    (8224, 0, "8,224"), (10391.0, 0, "10,391"), (1234.567, 1, "1,234.6"), (-80, 0, "-80"), (2.5, 0, "2"),
    (np.float64(26.666), 1, "26.7"), (np.int64(1000000), 0, "1,000,000"),
    (None, 0, "n/a"), (float("nan"), 0, "n/a"), (np.nan, 1, "n/a"), (pd.NA, 0, "n/a"),
])
def test_format_number(value, digits, text):
    assert format_number(value, digits) == text
    assert n(value, digits) == text  # the chapters' name gives the same text
