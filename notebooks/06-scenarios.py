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
from online_csa.sensitivity.try_assumptions import beside, monte_carlo_setting, per_year, recompute, with_changes

job = pipeline_job(globals(), "notebook_scenarios")  # the Snakemake job, or in Jupyter the last run's
inp, par = job.input, job.params
comparison = pd.read_csv(inp.comparison)
support = pd.read_csv(inp.claim_support)
scenarios = pd.DataFrame(par.scenarios)
settings = {name: monte_carlo_setting(inp, monte_carlo) for name, monte_carlo in par.monte_carlo.items()}
first = settings["baseline"].claims[0]
span = first.span_years

# %% [markdown]
# **What you can change.** In this notebook: a scenario of your own in the *Try it* cell, started
# from any scenario and compared with the baseline, recomputed here. The table and the figure
# need a rerun: add `config/scenarios/<name>.yaml` (copy one that is there) and run
# `.venv/bin/snakemake notebook_scenarios describe_jobs` from the project root, which runs the new scenario,
# the comparison, its figure and this chapter, and refreshes what a copy run by hand reads.

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
figure(job.output.scenario_comparison)
table(comparison, ["scenario", "metric", "median", "lower_90", "upper_90", "median_vs_baseline"])

# %% [markdown]
# ### Check: each scenario recomputed from its own assumptions
#
# Every median above is recomputed here from the scenario's assumptions, draws and seed, and from
# the same draws of the recorded totals; `median_vs_baseline` is each median over the baseline's.

# %%
recomputed = {name: recompute(setting).metrics.set_index("metric") for name, setting in settings.items()}
checked = 0
for row in comparison.itertuples():
    again = recomputed[row.scenario].loc[row.metric, "median"]
    baseline_median = recomputed["baseline"].loc[row.metric, "median"]
    if pd.isna(row.median):  # a metric the scenario cannot compute (s.15A out of scope, no count that year)
        assert pd.isna(again), (row.scenario, row.metric, again)
        continue
    assert abs(again / row.median - 1) < 1e-5, (row.scenario, row.metric, again, row.median)
    assert abs(again / baseline_median / row.median_vs_baseline - 1) < 1e-4, (row.scenario, row.metric)
    checked += 1
md(f"All {checked} medians and their ratios to the baseline come out the same when recomputed here.")

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
claim = support[support["claim_id"] == first.claim_id]
sentences = []
for meaning, rows in claim.groupby("threshold_meaning", sort=False):
    shares = rows.set_index("scenario")["share_holding_adjusted"]
    lowest, highest = shares.idxmin(), shares.idxmax()
    sentences.append(f"*{meaning}* (ratio at least {rows['threshold'].iloc[0]:g}) holds in "
                     f"{pct(shares.loc['baseline'])} of the baseline's draws, from {pct(shares.loc[lowest])} "
                     f"under *{lowest}* to {pct(shares.loc[highest])} under *{highest}*")
md(f"**\"{first.description}\"**, adjusted for under-recording: " + "; ".join(sentences) + ".")
table(support, ["scenario", "claim_id", "threshold", "threshold_meaning", "share_holding_recorded",
                "share_holding_adjusted"])

# %% [markdown]
# ## Try it: a scenario of your own
#
# Start from any scenario (`start_from`), change what you like (a change replaces an assumption's
# whole distribution, as a scenario file does; `per_year(r, span)` turns a ratio over the
# comparison's span into a per-year ratio), and compare it with the baseline. The numbers are
# recomputed here from the same draws of the recorded totals; the table and figure above are not
# redrawn.

# %% tags=["try_it"]
start_from = "baseline"  # any name in the scenarios table above
changes = {
    # "reporting_rate_ratio_per_year": {"dist": "uniform", "low": per_year(0.8, span), "high": 1.0},
}
include_s15a = settings[start_from].include_s15a

mine = recompute(with_changes(settings[start_from], changes, include_s15a=include_s15a))
mine_metrics, mine_support = beside(recompute(settings["baseline"]), mine)
headline = list(dict.fromkeys(comparison["metric"]))
table(mine_metrics[mine_metrics["metric"].isin(headline)].rename(columns={"median_as_run": "median_baseline"}),
      ["metric", "median_baseline", "median_tried", "lower_90_tried", "upper_90_tried", "tried_over_as_run"],
      caption=f"Your scenario ({start_from}, changed: {', '.join(changes) or 'nothing'}) beside the baseline")
table(mine_support.rename(columns={"share_holding_adjusted_as_run": "share_holding_adjusted_baseline"}),
      ["claim_id", "threshold", "threshold_meaning", "share_holding_adjusted_baseline", "share_holding_adjusted_tried"],
      caption="Share of draws in which each claim holds, adjusted for under-recording")

# %% [markdown]
# ## Adding a scenario
#
# Copy one of the files in `config/scenarios/`, give it a new lower-case name, change the
# assumptions and write what each rests on in its `source`. The next run adds it to the
# comparison; its own results land in `results/scenarios/<name>/`, and no other scenario
# is rerun. A scenario alone: `.venv/bin/snakemake scenario_<name>`; with the comparison, its
# figure and this chapter: `.venv/bin/snakemake notebook_scenarios describe_jobs`.

# %% [markdown]
# ## Exercises
#
# * Which assumption makes most of the difference between `nspcc_reading` and the baseline? Start
#   from `nspcc_reading` in the *Try it* cell and put back one baseline assumption at a time,
#   ```python
#   start_from = "nspcc_reading"
#   changes = {"flag_completeness_ratio_per_year": settings["baseline"].specs["flag_completeness_ratio_per_year"]}
#   ```
#   and watch the share of draws in which the doubling holds.
# * Write the scenario "reporting to police became more likely each year": the earlier year's
#   reporting rate at most four-fifths of the later year's over the comparison's span,
#   ```python
#   changes = {"reporting_rate_ratio_per_year": {"dist": "uniform", "low": per_year(0.8, span), "high": 1.0}}
#   ```
#   Does any rise survive? Which metric does not move at all, and why?
# * Start from `pessimistic_nonresponse`. Which recorded totals move against the baseline and which
#   do not? Chapter four's *Imputed totals* says which years a published total pins.
