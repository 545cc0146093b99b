# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 6. Scenarios: the same claims under named sets of assumptions
#
# > **In short.** The same claims under named sets of assumptions: a verdict that changes
# > between scenarios rests on the assumptions, not on the data.
#
# The previous chapter varied one assumption at a time around the configuration's own
# values. A reviewer usually thinks in whole stories instead: *the NSPCC is right to compare
# recorded totals directly*; *the flag was simply used more*; *far fewer offences reach the
# police than we assumed*. Each story is a file in `config/scenarios/`, naming the
# assumptions it changes and what each rests on. The pipeline runs every scenario with the
# same imputation draws and the same seed, so the differences below come from the
# assumptions alone. The baseline is the configuration itself.

# %%
import pandas as pd

from online_csa.report.narrative import figure, md, pct, table
from online_csa.rule_support.pipeline_job import pipeline_job

job = pipeline_job(globals(), "notebook_scenarios")  # the Snakemake job, or in Jupyter the last run's
inp, par = job.input, job.params
comparison = pd.read_csv(inp.comparison)
support = pd.read_csv(inp.claim_support)
scenarios = pd.DataFrame(par.scenarios)

# %% [markdown]
# ## The scenarios
#
# What each scenario assumes, in its own words, and which assumptions it changes from the
# baseline (the others keep the baseline's distributions).

# %%
scenarios["changes"] = scenarios["overrides"].map(lambda keys: ", ".join(keys) or "none (the baseline)")
table(scenarios, ["name", "description", "changes", "file"])

# %% [markdown]
# ## The headline metrics side by side
#
# Medians, and the intervals holding the central nine-tenths of the draws, with all of a
# scenario's assumptions drawn together;
# `median_vs_baseline` is each median over the baseline's.

# %%
figure(inp.comparison_png)
table(comparison, ["scenario", "metric", "median", "lower_90", "upper_90", "median_vs_baseline"])

# %% [markdown]
# ## How often each claim holds
#
# The share of a scenario's joint draws in which a trend claim holds: its ratio is at least
# the threshold, unrounded (each threshold says what it means, "any rise" or "doubling", and
# which configuration key defines it; "doubling" is the claims chapter's own threshold). On the
# recorded totals the shares differ between scenarios only through non-response and s.15A;
# adjusted for under-recording they also carry the change in flagging, recording and reporting
# that the scenario assumes, per year and compounded over each comparison's span.

# %%
first = par.trend_claims[0]
claim = support[support["claim_id"] == first["claim_id"]]
sentences = []
for meaning, rows in claim.groupby("threshold_meaning", sort=False):
    shares = rows.set_index("scenario")["share_holding_adjusted"]
    lowest, highest = shares.idxmin(), shares.idxmax()
    sentences.append(f"*{meaning}* (ratio at least {rows['threshold'].iloc[0]:g}) holds in "
                     f"{pct(shares.loc['baseline'])} of the baseline's draws, from {pct(shares.loc[lowest])} "
                     f"under *{lowest}* to {pct(shares.loc[highest])} under *{highest}*")
md(f"**\"{first['description']}\"**, adjusted for under-recording: " + "; ".join(sentences) + ".")
table(support, ["scenario", "claim_id", "threshold", "threshold_meaning", "share_holding_recorded",
                "share_holding_adjusted"])

# %% [markdown]
# ## Adding a scenario
#
# Copy one of the files in `config/scenarios/`, give it a new lower-case name, change the
# assumptions and write what each rests on in its `source`. The next run adds it to the
# comparison; its own results land in `results/scenarios/<name>/`, and no other scenario
# is rerun. A scenario alone: `./run_pipeline.sh scenario_<name>`.
