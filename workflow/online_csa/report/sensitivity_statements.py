"""Sentences of the sensitivity chapter that summarise a table, built from the sensitivity stage's
outputs so that the chapter states, for every trend claim, what the numbers support: how often
each threshold holds, and whether the non-response assumption can move a claim across one."""
from __future__ import annotations

import pandas as pd

from online_csa.sensitivity.support_words import SupportWords


def _percent(share: float) -> str:
    return "n/a" if pd.isna(share) else f"{100 * share:.1f}%"


def claim_support_lines(support: pd.DataFrame, words: SupportWords | None = None) -> list[str]:
    """One bullet per trend claim (claim_support.csv): each threshold, what it means, the config key
    that defines it, and the share of joint draws in which the claim holds, recorded and adjusted,
    each followed by its word (`sensitivity.claim_support_words`) when `words` is given."""
    def share(x) -> str:
        return _percent(x) + (f" (*{words.word(x)}*)" if words is not None and words.word(x) else "")

    lines = []
    for claim_id, rows in support.groupby("claim_id", sort=False):
        parts = [f"*{r.threshold_meaning}* (a ratio of at least {r.threshold:g}, `{r.threshold_source}`) holds in "
                 f"{share(r.share_holding_recorded)} of the draws on the recorded totals and "
                 f"{share(r.share_holding_adjusted)} adjusted for under-recording"
                 for r in rows.itertuples()]
        lines.append(f"* **\"{rows['description'].iloc[0]}\"** ({claim_id}): " + "; ".join(parts) + ".")
    return lines


def nonresponse_lines(tornado: pd.DataFrame, support: pd.DataFrame, trend_claims: list[dict]) -> list[str]:
    """One bullet per trend claim: the median recorded ratio with the non-response multiplier at its
    5th and at its 95th percentile (the others central, tornado.csv), and the thresholds that span
    crosses. A claim the multiplier can tip is said to be so, never that non-response "matters
    little"."""
    one_way = tornado[tornado["assumption"] == "nonresponse_multiplier"].set_index("metric")
    lines = []
    for claim in trend_claims:
        metric = f"recorded ratio {claim['to_year']} vs {claim['from_year']}"
        if metric not in one_way.index:
            continue
        row = one_way.loc[metric]
        low, high = sorted((row["metric_at_5th"], row["metric_at_95th"]))
        thresholds = support[support["claim_id"] == claim["claim_id"]]
        crossed = [f"*{t.threshold_meaning}* ({t.threshold:g})" for t in thresholds.itertuples()
                   if low < t.threshold <= high]
        verdict = (f"across the threshold of {' and '.join(crossed)}: the assumption about forces that gave no "
                   "figure decides that claim" if crossed else "on the same side of every threshold")
        lines.append(f"* **{claim['claim_id']}**: with the multiplier at {row['value_at_5th']:.2f} and at "
                     f"{row['value_at_95th']:.2f} (its 5th and 95th percentiles) the median recorded ratio "
                     f"{claim['to_year']} vs {claim['from_year']} is {row['metric_at_5th']:.3f} and "
                     f"{row['metric_at_95th']:.3f}, {verdict}.")
    return lines
