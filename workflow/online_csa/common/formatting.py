"""Numbers as the claims table and the report print them."""
from __future__ import annotations

import math

import pandas as pd


def format_number(x, digits: int = 0) -> str:
    """Thousands separators and `digits` decimals (8224 -> '8,224'); 'n/a' for a missing value,
    so a note or a sentence never prints 'nan'."""
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:,.{digits}f}"
