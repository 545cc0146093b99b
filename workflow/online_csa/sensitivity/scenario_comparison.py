"""Named scenarios side by side: the headline metrics and how often each claim holds."""
from __future__ import annotations

import pandas as pd

from online_csa.sensitivity.metric_names import JOINT


def compare_metrics(sensitivity: dict[str, pd.DataFrame], scenarios: list[dict], metrics: list[str]) -> pd.DataFrame:
    """One row per scenario and headline metric, from the joint draws of each scenario's
    sensitivity table; `median_vs_baseline` is the scenario's median over the first scenario's."""
    rows = []
    for meta in scenarios:
        table = sensitivity[meta["name"]]
        joint = table[table["variant"] == JOINT].set_index("metric")
        missing = [m for m in metrics if m not in joint.index]
        if missing:
            raise KeyError(f"scenario {meta['name']}: no metric {', '.join(missing)} in its sensitivity table "
                           f"(scenarios.headline_metrics must name metrics of that table)")
        for metric in metrics:
            row = joint.loc[metric]
            rows.append({"scenario": meta["name"], "metric": metric, "median": row["median"],
                         "lower_90": row["lower_90"], "upper_90": row["upper_90"],
                         "include_s15a": bool(row["include_s15a"]), "changes": "; ".join(meta["overrides"]),
                         "description": meta["description"]})
    out = pd.DataFrame(rows)
    base = out[out["scenario"] == scenarios[0]["name"]].set_index("metric")["median"]
    out.insert(5, "median_vs_baseline", out["median"] / out["metric"].map(base))
    return out


def compare_claim_support(support: dict[str, pd.DataFrame], scenarios: list[dict]) -> pd.DataFrame:
    """One row per scenario, claim and threshold: the share of draws in which the claim holds."""
    frames = [support[meta["name"]].assign(scenario=meta["name"]) for meta in scenarios]
    out = pd.concat(frames, ignore_index=True)
    return out[["scenario", "claim_id", "description", "threshold", "threshold_meaning", "threshold_source",
                "share_holding_recorded", "share_holding_adjusted"]]
