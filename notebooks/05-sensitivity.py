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
# # 5. Sensitivity: the tip of the iceberg, in numbers a reviewer can change
#
# A recorded, flagged offence is the end of a chain: the offence came to police notice
# (reporting rate), police recorded it as a crime (recording compliance), and the record
# carries the online flag (flag completeness). So
#
# > offences = recorded flagged offences / (reporting rate × recording compliance × flag completeness)
#
# and a *trend* changes only if those rates changed between the two years. Each rate is an
# assumption with a distribution in `config/config.yaml`; the recorded totals come from the
# imputation of the previous chapter, with forces that gave no figure scaled by a
# non-response multiplier. Every number below is recomputed when an assumption changes.

# %%
import pandas as pd

from online_csa.rule_support.pipeline_job import pipeline_job
from online_csa.report.narrative import figure, md, table

job = pipeline_job(globals(), "notebook_sensitivity")  # the Snakemake job, or in Jupyter the last run's
inp = job.input
par = job.params
assumptions = pd.read_csv(inp.assumptions)
sensitivity = pd.read_csv(inp.sensitivity)
tipping = pd.read_csv(inp.tipping_points)
first = par.trend_claims[0]
ratio_metric = f"adjusted ratio {first['to_year']} vs {first['from_year']}"
recorded_metric = f"recorded ratio {first['to_year']} vs {first['from_year']}"

# %% [markdown]
# ## The assumptions
#
# The two percentile columns are the lower and upper ends of each assumption's central nine-tenths;
# `central` is the value used when the others vary one at a time. A source that begins
# "judgement" means nothing measured the quantity.

# %%
md(f"{par.draws:,} joint draws, seed {par.seed}; s.15A offences "
   f"{'counted in' if par.include_s15a else 'removed from'} the flagged series.")
table(assumptions, ["assumption", "distribution", "p05", "central", "p95", "source", "evidence"])

# %% [markdown]
# ## The headline metrics under the assumptions

# %%
main = sensitivity[~sensitivity["variant"].str.startswith("one-way")]
table(main, ["variant", "metric", "median", "lower_90", "upper_90"])
joint = sensitivity[sensitivity["variant"] == "all assumptions drawn"].set_index("metric")
recorded = sensitivity[sensitivity["variant"] == "recorded only (no adjustment)"].set_index("metric")
md(f"Recorded, the imputed totals rise by a factor of **{recorded.loc[recorded_metric, 'median']:.2f}** "
   f"({recorded.loc[recorded_metric, 'lower_90']:.2f} to {recorded.loc[recorded_metric, 'upper_90']:.2f}) from "
   f"{first['from_year']} to {first['to_year']}. With every assumption drawn from its distribution, the rise in "
   f"offences is **{joint.loc[ratio_metric, 'median']:.2f}** ({joint.loc[ratio_metric, 'lower_90']:.2f} to "
   f"{joint.loc[ratio_metric, 'upper_90']:.2f}), and each recorded flagged offence stands for "
   f"**{joint.filter(like='iceberg', axis=0)['median'].iloc[0]:.0f}** offences (90% interval "
   f"{joint.filter(like='iceberg', axis=0)['lower_90'].iloc[0]:.0f} to "
   f"{joint.filter(like='iceberg', axis=0)['upper_90'].iloc[0]:.0f}).")

# %% [markdown]
# ## Which assumption matters most (tornado)
#
# Each bar moves one assumption to the lower and upper ends of its central nine-tenths (the
# percentile columns above), the others at their central values.

# %%
figure(inp.tornado_png)

# %% [markdown]
# ## Tipping points
#
# The value of one assumption at which a claim stops holding, with the others held either at
# **neutral** values (no change in any rate between the years, no multiplier on non-response:
# the published arithmetic alone) or at their **central** values. Three methods: the
# arithmetic on the published totals; the median of the model's imputed totals; and the low
# end of the model's draws (below it the claim fails in more than one draw in twenty). A
# `*_ratio` is the earlier year's rate over the later year's.

# %%
key = tipping[(tipping["claim_id"] == first["claim_id"]) & (tipping["threshold"] == 1.0)
              & (tipping["assumption"] == "flag_completeness_ratio")].set_index(["others_at", "method"])["tipping_value"]
arith = key[("neutral", next(m for o, m in key.index if o == "neutral" and m.startswith("arithmetic")))]
model = key[("neutral", "model: median of imputed totals")]
md(f"**\"{first['description']}\"**: the rise vanishes altogether if the online flag was applied in "
   f"{first['from_year']} at **{arith:.2f}** times its {first['to_year']} completeness or less, by the published "
   f"arithmetic; the model's imputed totals give **{model:.2f}**. With the other assumptions at their central "
   f"values the flag ratio needs only to fall to "
   f"{key[('central', 'model: median of imputed totals')]:.2f}, against a central assumption of "
   f"{assumptions.set_index('assumption').loc['flag_completeness_ratio', 'central']:.2f}.")
shown = tipping[tipping["tipping_value"].notna() | (tipping["method"] == "switch")]
table(shown, ["claim_id", "threshold", "others_at", "assumption", "method", "tipping_value", "reference_value", "note"])
figure(inp.tipping_png)

# %% [markdown]
# ## What this can and cannot say
#
# * The **level** of offending depends on the reporting rate above all; the published anchors
#   in the assumptions table (victims known to authorities, survivors who ever told police)
#   leave a range of several-fold, which the interval shows.
# * The **trend** depends only on how the rates *changed*. Nothing measures how completely the
#   online flag was applied in 2015/16 compared with later years: that ratio is a judgement,
#   and the tipping point shows how small a change in it would erase the "doubling".
# * Non-response matters little to the trend once the published national totals constrain
#   the imputation; it matters more for years without such a total.
# * Each `*_ratio` applies to every comparison whatever its span: the same distribution
#   adjusts the three-year comparison from 2015/16 and the one-year comparison from 2018/19.
#   Flagging and recording probably changed less in one later year than over the first
#   three, so the intervals of the one-year claim are likely too wide and its adjusted ratio
#   too low. A reviewer who thinks so can narrow the ratios in a scenario of their own;
#   expressing the ratios per year is the natural next refinement.
