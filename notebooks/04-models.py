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
# # 4. Models: the forces and years nobody printed
#
# Most force-years have no published figure: forces did not answer, or no outlet printed
# their answer. This chapter asks what those cells could hold.
#
# **The count model.** A negative-binomial regression of each force-year count on a force
# effect and a year effect, with the force's child population as the exposure (offset). The
# force effects are plain dummies: the "fixed-effects" negative binomial of Hausman, Hall and
# Griliches is not a true fixed-effects model (Allison and Waterman 2002). Standard errors of
# the year effects are cluster-robust by force.
#
# **Imputation.** Each missing cell is drawn from the fitted model: coefficients from their
# sampling distribution, then a count. These are *prediction* intervals for a count, not
# intervals for a mean. Totals the ledger already prints then limit the draws: a force's
# cumulative total over several years fixes the sum of its missing years, and a national total
# over a known number of responding forces fixes the sum of the responders' cells.
#
# **Calibration.** Each observed cell is left out in turn, the model is refitted, and we count
# how often the cell lies inside its prediction interval (the level is stated below).

# %%
import pandas as pd

from online_csa.rule_support.pipeline_job import pipeline_job
from online_csa.common.intervals import LOWER, UPPER
from online_csa.report.narrative import figure, md, pct, table

job = pipeline_job(globals(), "notebook_models")  # the Snakemake job, or in Jupyter the last run's
inp = job.input
par = job.params
coefficients = pd.read_csv(inp.coefficients)
national = pd.read_csv(inp.national_estimates)
constraints = pd.read_csv(inp.constraints)
calibration = pd.read_csv(inp.calibration)
shares = pd.read_csv(inp.flag_share)
decomposition = pd.read_csv(inp.flag_decomposition)
quarantined = pd.read_csv(inp.flag_quarantined)
breaks = pd.read_csv(inp.structural_breaks)
trends = pd.read_csv(inp.trends)
s15a_step = pd.read_csv(inp.s15a_step)
panel_values = pd.read_csv(inp.panel_values_used)
focus = par.focus_series
geography = par.geography
md(f"Every interval in this chapter is a **{pct(UPPER - LOWER)}** interval: the {pct(LOWER)} and "
   f"{pct(UPPER)} points of the simulated draws (`lower_90`, `upper_90` in the tables).")

# %% [markdown]
# ## The count model
#
# Year effects are incidence-rate ratios against the first year with data, for a force of
# a given size; `alpha` is the overdispersion (variance = mean + alpha × mean²).

# %%
for series, c in coefficients.groupby("series", sort=False):
    md(f"**{series}**: {c['n_obs'].iloc[0]} observed force-years from {c['n_forces'].iloc[0]} forces; "
       f"alpha = {c['alpha'].iloc[0]:.3f} ({par.alpha_method} estimator).")
    table(c, ["term", "irr", "irr_lower_95", "irr_upper_95", "se_cluster", "se_model"])

# %% [markdown]
# ### What the models leave out, and why
#
# Observed panel values that no model uses: a series not listed in `models.series`, or a
# force outside the modelled geography (`models.geography`). They stay in the panel and in the
# claims; the sensitivity stage uses the national s.15A totals instead of force figures.

# %%
unused = panel_values[~panel_values["used_by_models"]]
md(f"**{len(unused)}** of {len(panel_values)} observed panel values are not used by any model."
   if len(unused) else "Every observed panel value is used by a model.")
if len(unused):
    table(unused, ["series", "force", "fiscal_year", "value", "record_ids", "reason"])

# %% [markdown]
# ## Imputed totals
#
# Bars: the sum of the force figures the ledger holds. Points with bars: the imputed total of
# all forces, with its prediction interval. Markers: totals as the releases printed them,
# which cover only the forces that answered.

# %%
figure(inp.imputed_totals_png)
shown = national[(national["geography"] == geography) & (national["series"] == focus)]
table(shown, ["fiscal_year", "forces", "observed_forces", "observed_sum", "estimate", "lower_90", "upper_90", "note"])

# %% [markdown]
# ### What the ledger's own totals contributed
#
# Each constraint either limits the draws or says why it could not.

# %%
table(constraints, ["series", "record_id", "kind", "label", "fiscal_years", "total", "forces_responded",
                    "observed_sum", "missing_cells", "applied", "note", "override"])

# %%
figure(inp.imputed_cells_png)

# %% [markdown]
# ## Calibration: do the intervals cover as often as they claim?

# %%
table(calibration, ["series", "alpha_method", "cells", "scored", "covered", "coverage", "nominal", "not_scored"])
main = calibration[(calibration["series"] == focus) & (calibration["cells"] == "all cells")].set_index("alpha_method")
md(f"Leaving each observed {focus} cell out in turn, its {pct(UPPER - LOWER)} interval covered it in "
   f"**{pct(main.loc['pearson', 'coverage'], 1)}** of {main.loc['pearson', 'scored']} cells with the Pearson "
   f"estimate of alpha, and in {pct(main.loc['ml', 'coverage'], 1)} with maximum likelihood, which understates "
   "overdispersion when many forces have one observation. Cells of forces with a single observation test the "
   "pooled force effect that forces without any figure receive.")

# %% [markdown]
# ## Flag propensity: is the rise a rise in flagging?
#
# Where a force-year has both the flagged count and all recorded child sexual offences, the
# flagged share is modelled as a binomial with force and year effects, its variance scaled by
# the Pearson statistic (quasi-likelihood).

# %%
figure(inp.flagged_share_png)
table(shares, ["fiscal_year", "pairs", "pooled_observed_share", "model_share", "model_share_lower_95",
               "model_share_upper_95", "odds_ratio_vs_first_year"])
first = decomposition.iloc[0]
md(f"On the {first['forces']} forces with both counts in {first['from_year']} and {first['to_year']}, flagged "
   f"offences grew by a factor of **{first['growth_flagged']:.2f}**: all child sexual offences by "
   f"{first['growth_all']:.2f} and the flagged share by {first['growth_share']:.2f} "
   f"({pct(first['share_from'], 1)} to {pct(first['share_to'], 1)}). On the log scale, "
   f"**{pct(first['share_of_log_growth_from_flagging'])}** of the growth is growth in the flagged share, which is "
   "either more complete flagging or a real shift towards online offending: police data cannot tell them apart. "
   f"The quasi-likelihood scale is {shares['quasi_likelihood_scale'].iloc[0]:.1f}: forces differ far more than "
   "binomial sampling allows.")
table(decomposition, ["from_year", "to_year", "forces", "flagged_from", "flagged_to", "all_from", "all_to",
                      "growth_flagged", "growth_all", "growth_share", "share_of_log_growth_from_flagging"])
if len(quarantined):
    md(f"{len(quarantined)} force-year pairs were left out because the flagged count exceeds all offences:")
    table(quarantined, ["force", "fiscal_year", "flagged", "all_offences", "reason"])

# %% [markdown]
# ## Structural breaks: the s.15A offence and the pandemic year
#
# The count model again, with a linear trend and a level step from 2017/18 (sexual
# communication with a child, s.15A) and from 2020/21 in place of the year effects.

# %%
table(breaks, ["term", "irr", "irr_lower_95", "irr_upper_95", "se_cluster"])
table(trends, ["from_year", "to_year", "scope", "method", "ratio", "lower_95", "upper_95"])
step = s15a_step.iloc[0]
year = step["break_year"]
reading = ("an added offence cannot lower the count, so the force-level panel does not identify the s.15A step "
           f"(only a handful of forces have a {year} figure); the arithmetic on the published totals is the "
           "better guide" if step["irr"] < 1 else "the step is the model's estimate of what s.15A added")
md(f"The {year} step is an incidence-rate ratio of **{step['irr']:.2f}** ({step['irr_lower_95']:.2f} to "
   f"{step['irr_upper_95']:.2f}): {reading}. Removing the published s.15A count from the published total gives a "
   f"ratio of **{step['published_ratio_less_s15a']:.2f}**: on a like-for-like offence scope the published totals "
   "show no doubling.")

# %% [markdown]
# ## What the data can and cannot say
#
# * The imputed totals rest on an assumption: that the forces without a figure are like the
#   forces with one, once their child population and the year are known (missing at random).
#   The sensitivity chapter varies it (`nonresponse_multiplier`).
# * Years with no observed cell cannot be imputed at all; years with a few (2017/18, 2020/21)
#   get wide intervals, and the intervals say so.
# * Nothing here corrects for offences that were never reported, never recorded or never
#   flagged: that is the next chapter.
