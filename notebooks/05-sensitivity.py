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
# > **In short.** Whether a rise in recorded offences is a rise in offences depends on how flag
# > completeness, recording compliance and the reporting rate changed between the years; the
# > tipping points say how far each must move for a claim to fail.
#
# A recorded, flagged offence is the end of a chain: the offence came to police notice
# (reporting rate), police recorded it as a crime (recording compliance), and the record
# carries the online flag (flag completeness). So
#
# > offences = recorded flagged offences / (reporting rate × recording compliance × flag completeness)
#
# and a *trend* changes only if those rates changed between the two years. Each rate is an
# assumption with a distribution in `config/config.yaml`: its level in the later year of a
# comparison, and its change as a ratio **per year** (one year's rate over the next year's),
# compounded over the comparison's span, so the same assumption adjusts the three years from
# 2015/16 to 2018/19 (the ratio cubed) and the one year from 2018/19 to 2019/20 alike. The
# recorded totals come from the imputation of the previous chapter, with the part of them no
# published total pins scaled by a non-response multiplier. The tables and figures are the
# pipeline's, for the assumptions of its last run; the *Try it* section recomputes the headline
# metrics here, in the notebook, for assumptions you edit.

# %%
import pandas as pd

from online_csa.rule_support.pipeline_job import pipeline_job
from online_csa.report.narrative import figure, md, n, pct, results_path, table
from online_csa.report.sensitivity_statements import claim_support_lines, nonresponse_lines
from online_csa.sensitivity.support_words import SupportWords
from online_csa.sensitivity.metric_names import JOINT
from online_csa.sensitivity.try_assumptions import (beside, matches_stored, monte_carlo_setting, per_year, recompute,
                                                    with_changes)

job = pipeline_job(globals(), "notebook_sensitivity")  # the Snakemake job, or in Jupyter the last run's
inp = job.input
par = job.params
assumptions = pd.read_csv(inp.assumptions)
sensitivity = pd.read_csv(inp.sensitivity)
support = pd.read_csv(inp.claim_support)
tipping = pd.read_csv(inp.tipping_points)
national = pd.read_csv(inp.national_estimates)
setting = monte_carlo_setting(inp, par.monte_carlo)  # what run_sensitivity read: draws of the totals, assumptions
first = setting.claims[0]
span = first.span_years
ratio_metric = f"adjusted ratio {first.to_year} vs {first.from_year}"
recorded_metric = f"recorded ratio {first.to_year} vs {first.from_year}"

# %% [markdown]
# **What you can change.** In this notebook: the assumptions, the s.15A scope and the number of
# draws in the *Try it* cell, recomputed here in under a second. The tables, the tornado and the
# tipping points need a rerun: put the assumptions in a scenario file
# `config/scenarios/<name>.yaml` (copy one that is there) and run `.venv/bin/snakemake scenario_<name>`
# from the project root (its tables land in `results/scenarios/<name>/`; chapter six compares it),
# or change `config/config.yaml` and run `.venv/bin/snakemake notebook_sensitivity describe_jobs` to redraw
# this chapter and the copy you run by hand.
#
# **The names used below.** An assumption named `*_ratio_per_year` (for instance
# `flag_completeness_ratio_per_year`) is one year's rate over the next year's; below one, the rate
# rose. Over a comparison of several years it is compounded: the earlier year's rate over the
# later year's is the per-year ratio raised to the number of years. A **recorded ratio** is the
# later year's recorded total over the earlier year's; an **adjusted ratio** is the same for
# offences, the recorded ratio times the compounded ratios of flag completeness, recording
# compliance and reporting rate. The **iceberg multiplier** is offences per recorded flagged
# offence, one over the product of the three rates.

# %% [markdown]
# ## The assumptions
#
# A beta or a lognormal has two parameters, so it cannot honour a centre and two percentiles
# at once. Each is fitted by one rule: the centre (the beta's mean, the lognormal's median) is
# matched exactly, and the spread is the smallest that puts the lower percentile at or below the
# `low` asked for and the upper one at or above the `high`. The bound further from the centre is met
# and the other lies beyond its request, so the distribution is never narrower than asked. The
# table shows the percentiles requested beside those drawn (`realised_*`); `central` is the value
# used when the others vary one at a time. A source that begins "judgement" means nothing
# measured the quantity.

# %%
joint_rows = sensitivity[sensitivity["variant"] == JOINT]
included = bool(joint_rows["include_s15a"].iloc[0])
check = matches_stored(recompute(setting), sensitivity)  # the run's own setting, recomputed here
assert check["matches"].all() and setting.include_s15a == included, (
    "the tables were not computed with this job's assumptions, draws and seed: rerun the pipeline")
md(f"{n(setting.draws)} joint draws, seed {setting.seed}; s.15A offences "
   f"{'counted in' if included else 'removed from'} the flagged series. Recomputed here from the same "
   f"draws of the recorded totals, the {len(check)} headline metrics of the table below come out the same, "
   "to the six significant figures the table keeps.")
table(assumptions, ["assumption", "distribution", "requested_p05", "requested_centre", "requested_p95",
                    "realised_p05", "realised_median", "realised_p95", "central", "source", "evidence"])
warned = assumptions[assumptions["label_warning"].fillna("") != ""]
md("Where the draws lie further from the request than the tolerance (`monte_carlo.label_tolerance`):\n\n"
   + "\n".join(f"* {w}" for w in warned["label_warning"]) if len(warned) else
   "Every fitted distribution draws within the tolerance of what it was asked for.")

# %% [markdown]
# **How the assumptions depend on each other.** Each assumption has its own random stream, so
# assumptions are drawn *independently* unless `monte_carlo.correlations` ties a pair by a rank
# correlation (drawn through a Gaussian copula, each keeping its own distribution).

# %%
tied = assumptions[~assumptions["dependence"].str.startswith("independent")]
ties = []
for r in tied.itertuples():  # each pair is in both rows: say it once
    if not any(r.assumption in said for said in ties):
        ties.append(f"**{r.assumption}**: {r.dependence.split(' (Gaussian copula)')[0]}")
md("Here every assumption is independent of the others." if tied.empty else
   "Here every assumption is independent of the others except: " + "; ".join(ties) + ".")

# %% [markdown]
# ## The headline metrics under the assumptions
#
# An adjusted total belongs to a comparison: its name says which claim's comparison (the
# claim's short id) and whether the year is its earlier or later year, since the same year adjusted
# as the later year of one claim and the earlier year of another rests on different assumptions.

# %%
shown = sensitivity[(sensitivity["variant"] == JOINT)
                    | ((sensitivity["variant"] == "recorded only (no adjustment)")
                       & sensitivity["metric"].str.startswith("recorded ratio"))]
table(shown, ["variant", "metric", "median", "lower_90", "upper_90"],
      caption=f"Every assumption drawn, and the recorded ratios; every variant (central values, s.15A out of scope, "
      f"one assumption at a time) is in {results_path(inp.sensitivity)}")
joint = sensitivity[sensitivity["variant"] == "all assumptions drawn"].set_index("metric")
recorded = sensitivity[sensitivity["variant"] == "recorded only (no adjustment)"].set_index("metric")
iceberg = joint.filter(like="iceberg", axis=0).iloc[0]
md(f"Recorded, the imputed totals rise by a factor of **{recorded.loc[recorded_metric, 'median']:.2f}** "
   f"({recorded.loc[recorded_metric, 'lower_90']:.2f} to {recorded.loc[recorded_metric, 'upper_90']:.2f}) from "
   f"{first.from_year} to {first.to_year}. With every assumption drawn from its distribution, the rise in "
   f"offences is **{joint.loc[ratio_metric, 'median']:.2f}** ({joint.loc[ratio_metric, 'lower_90']:.2f} to "
   f"{joint.loc[ratio_metric, 'upper_90']:.2f}), and each recorded flagged offence stands for "
   f"**{iceberg['median']:.0f}** offences (90% interval {iceberg['lower_90']:.0f} to {iceberg['upper_90']:.0f}).")
totals = joint[joint.index.str.startswith("recorded total")]
fixed = totals[totals["lower_90"] == totals["upper_90"]]
modelled = (national["series"] == par.monte_carlo["series"]) & (national["geography"] == par.monte_carlo["geography"])
pinned = national[modelled & national["pinned_by_totals"]].set_index("fiscal_year")
for metric, row in fixed.iterrows():
    year = metric.removeprefix("recorded total ")
    assert year in pinned.index, f"{metric} has no spread, but no published total pins {year}"
    md(f"The recorded total of {year} is **{n(row['median'])}** in every draw, an interval of zero width: published "
       f"totals fix the sum of every cell nobody printed in {year} (chapter four, *Imputed totals*), so the "
       "imputation and the non-response multiplier cannot move it. Zero width means the published figure is taken "
       "as exact, not that it is known without error.")

# %% [markdown]
# ### Check the arithmetic: the adjusted ratio
#
# With every assumption at its central value, the adjusted ratio is the recorded ratio times the
# product of the three per-year ratio assumptions, compounded over the comparison's span. The
# cell writes the product out with the table's own numbers and checks it.

# %%
central = sensitivity[sensitivity["variant"] == "central values"].set_index("metric")
values = central.iloc[0]  # the assumption values used, one column each
ratio_names = ["flag_completeness_ratio_per_year", "recording_compliance_ratio_per_year",
               "reporting_rate_ratio_per_year"]
product = values[ratio_names[0]] * values[ratio_names[1]] * values[ratio_names[2]]
recorded_central, adjusted_central = central.loc[recorded_metric, "median"], central.loc[ratio_metric, "median"]
assert abs(recorded_central * product ** span / adjusted_central - 1) < 1e-5
md(f"{first.to_year} against {first.from_year}: recorded ratio **{recorded_central:.4f}** × "
   f"({' × '.join(f'{values[r]:.4f}' for r in ratio_names)})^{span} = {recorded_central:.4f} × "
   f"{product ** span:.4f} = **{recorded_central * product ** span:.4f}**, the table's adjusted ratio "
   f"({adjusted_central:.4f}).")

# %% [markdown]
# ## Try it: change an assumption and see the numbers move
#
# The next cell recomputes the headline metrics with every assumption drawn, from the same draws of
# the recorded totals and the same functions the pipeline used, for the changes you make in it. A
# change replaces an assumption's whole distribution, as a scenario file does: a fixed value
# (`{"dist": "fixed", "value": ...}`), a uniform (`"low"`, `"high"`), a beta (`"mean"`, `"low"`, `"high"`)
# or a lognormal (`"median"`, `"low"`, `"high"`). `per_year(r, span)` turns a ratio over the
# comparison's span (the earlier year's rate over the later year's) into the per-year ratio the
# assumptions are written in. With nothing changed it gives the table above. The tables, the
# tornado and the tipping points are not redrawn (see *What you can change* above).

# %% tags=["try_it"]
changes = {
    # "flag_completeness_ratio_per_year": {"dist": "fixed", "value": per_year(0.9, span)},
}
include_s15a = setting.include_s15a  # False: take the s.15A offences out of the flagged series
draws = setting.draws

as_run = recompute(setting)
tried = recompute(with_changes(setting, changes, include_s15a=include_s15a, draws=draws))
tried_metrics, tried_support = beside(as_run, tried)
table(tried_metrics, ["metric", "median_as_run", "median_tried", "lower_90_tried", "upper_90_tried",
                      "tried_over_as_run"], caption="Headline metrics as the pipeline ran them and as tried here")
table(tried_support, ["claim_id", "threshold", "threshold_meaning", "share_holding_adjusted_as_run",
                      "share_holding_adjusted_tried"], caption="Share of draws in which each claim holds, adjusted")
doubling = tried_support[(tried_support["claim_id"] == first.claim_id)
                         & (tried_support["threshold_meaning"] == "doubling")].iloc[0]
md(f"Tried: {', '.join(changes) or 'no assumption changed'}; s.15A {'counted' if include_s15a else 'removed'}; "
   f"{n(draws)} draws. \"{first.description}\": the adjusted ratio's median is "
   f"**{tried_metrics.set_index('metric').loc[ratio_metric, 'median_tried']:.3f}**, and the doubling holds in "
   f"**{pct(doubling['share_holding_adjusted_tried'], 1)}** of draws "
   f"({pct(doubling['share_holding_adjusted_as_run'], 1)} as run).")

# %% [markdown]
# ## Which assumption matters most (tornado)
#
# Each bar moves one assumption to the lower and upper ends of its central nine-tenths (the
# realised percentile columns above), the others at their central values.

# %%
figure(job.output.tornado)

# %% [markdown]
# ## When a claim holds, and where it tips
#
# A claim **holds** when its ratio (later total over earlier total) is at least the threshold,
# unrounded, everywhere in this report: a ratio just short of two has not doubled. Each threshold is defined once
# in the configuration; a threshold the claims chapter also uses is read from the same key.
#
# A **tipping point** is the value of one assumption at which a claim stops holding, with the
# others held either at **neutral** values (no change in any rate between the years, no
# multiplier on non-response: the published arithmetic alone) or at their **central** values.
# Three methods: the arithmetic on the published totals; the median of the model's imputed
# totals; and the low end of the model's draws (below it the claim fails in more than one draw
# in twenty). A per-year ratio's tipping point is given per year (`tipping_value`) and as the
# ratio it implies over the comparison's span (`tipping_ratio_over_span`, the earlier year's
# rate over the later year's); the claim holds at values above it. For the share of s.15A
# offences carrying the flag the note says on which side the claim holds. Where the two
# published totals cover different areas (one claim compares a UK total, Channel Islands
# included, with one for England, Wales and Northern Ireland) their ratio is not the claim's
# change, and the arithmetic gives no tipping point.

# %%
words = SupportWords.from_config(par.claim_support_words)
md("How often each claim holds, over the joint draws (recorded totals, and adjusted for under-recording), with "
   f"the word each share earns ({words.definition()}):\n\n" + "\n".join(claim_support_lines(support, words)))
thresholds = tipping[tipping["claim_id"] == first.claim_id].drop_duplicates("threshold")
md("Thresholds of **\"" + first.description + "\"**: " + "; ".join(
    f"*{r.threshold_meaning}* at a ratio of {r.threshold:g} (`{r.threshold_source}`)" for r in thresholds.itertuples())
   + ".")
flag = tipping[(tipping["claim_id"] == first.claim_id) & (tipping["assumption"] == "flag_completeness_ratio_per_year")]


def tip(meaning, others_at, method_start):
    row = flag[(flag["threshold_meaning"] == meaning) & (flag["others_at"] == others_at)
               & flag["method"].str.startswith(method_start)].iloc[0]
    return row["tipping_ratio_over_span"], row["tipping_value"], int(row["span_years"])


lines = []
for meaning, threshold in zip(thresholds["threshold_meaning"], thresholds["threshold"]):
    arith_span, arith_year, span = tip(meaning, "neutral", "arithmetic")
    model_span, model_year, _ = tip(meaning, "neutral", "model: median")
    central_span, central_year, _ = tip(meaning, "central", "model: median")
    lines.append(
        f"* **{meaning}** (a ratio of at least {threshold:g}) fails if the online flag was applied in "
        f"{first.from_year} at less than **{arith_span:.3f}** times its {first.to_year} completeness "
        f"({arith_year:.3f} a year over {span} years), by the published arithmetic; at **{model_span:.3f}** "
        f"({model_year:.3f} a year) by the model's median of the imputed totals"
        + (", above 1: by the model it fails even with no change in flagging" if model_span > 1 else "")
        + f". With the other assumptions at their central values it fails below {central_span:.3f} "
        f"({central_year:.3f} a year).")
central_flag = assumptions.set_index("assumption").loc["flag_completeness_ratio_per_year", "central"]
md("**\"" + first.description + "\"**, by the flag-completeness ratio:\n\n" + "\n".join(lines)
   + f"\n\nThe central assumption is {central_flag:.3f} a year ({central_flag ** span:.3f} over {span} years).")
table(flag, ["threshold", "threshold_meaning", "others_at", "method", "tipping_value", "tipping_ratio_over_span"],
      caption=f"The flag-completeness tipping points of {first.claim_id}; every claim, assumption and method (with "
      f"notes) is in {results_path(inp.tipping_points)}")

# %% [markdown]
# ### Check the arithmetic: the tipping points of the published totals
#
# With every other assumption neutral, the adjusted ratio is the published ratio times the
# flag-completeness ratio over the span, so the claim tips where that ratio equals the threshold
# times the earlier total over the later one.

# %%
for meaning, threshold in zip(thresholds["threshold_meaning"], thresholds["threshold"]):
    over_span, _, _ = tip(meaning, "neutral", "arithmetic")
    expected = threshold * first.published_from / first.published_to
    assert abs(over_span / expected - 1) < 1e-5, (meaning, over_span, expected)
    md(f"*{meaning}*: {threshold:g} × {n(first.published_from)} / {n(first.published_to)} = **{expected:.3f}**, "
       f"the table's {over_span:.3f}; per year, {expected:.3f}^(1/{span}) = {per_year(expected, span):.4f}.")

# %% [markdown]
# ### Tipping-point curves
#
# Each curve is one claim's adjusted ratio as one assumption moves across its range, the others
# held neutral or central; where a curve crosses a threshold is that claim's tipping point.

# %%
figure(job.output.tipping_curves)

# %% [markdown]
# ## What this can and cannot say

# %%
nonresponse = "\n".join("  " + line for line in nonresponse_lines(pd.read_csv(inp.tornado), support,
                                                        [vars(claim) for claim in setting.claims]))
rise_span, _, span = tip("any rise", "neutral", "arithmetic")
double_span, double_year, _ = tip("doubling", "neutral", "arithmetic")
md(f"""* The **level** of offending depends on the reporting rate above all; the published anchors
  in the assumptions table (victims known to authorities, survivors who ever told police)
  leave a range of several-fold, which the interval shows.
* The **trend** depends only on how the rates *changed*. Nothing measures how completely the
  online flag was applied in {first.from_year} compared with later years: that ratio is a judgement, and
  the two thresholds tip very differently. By the published arithmetic the rise itself vanishes
  only if the flag was applied in {first.from_year} at less than {rise_span:.2f} times its {first.to_year}
  completeness, but "doubled" fails if completeness was lower in {first.from_year} by as little
  as {1 - double_span:.1%} ({double_span:.3f} over {span} years, {double_year:.4f} a year): an
  improvement in flagging larger than that erases the doubling, and one larger than
  {1 - rise_span:.1%} the rise as well.
* Non-response moves only the part of a total that no published total pins (a year pinned
  entirely does not move at all), but that can be enough to tip a claim that sits near its
  threshold:
{nonresponse}
* The ratios are per year and compound over a comparison's span, so a three-year comparison
  carries three years of change in flagging and recording, a one-year comparison one. This
  assumes the same change every year: if flagging improved mostly in the first years after the
  flag came in, the later one-year comparison is adjusted too much.
* Assumptions are independent unless the configuration ties them; the ties in force are
  stated above, with the rank correlation of each.""")

# %% [markdown]
# ## Exercises
#
# Use the *Try it* cell; each answer is in the tables it prints.
#
# * Does the doubling survive if flag completeness in the earlier year was nine-tenths of the
#   later year's, everything else as in the baseline? Set
#   ```python
#   changes = {"flag_completeness_ratio_per_year": {"dist": "fixed", "value": per_year(0.9, span)}}
#   ```
#   Look at the share of draws in which *doubling* holds and at the adjusted ratio's median, and
#   compare the value with the tipping points above.
# * Fix the flag-completeness ratio at one (no change in flagging), then halve the earlier year's
#   completeness against the later year's:
#   ```python
#   changes = {"flag_completeness_ratio_per_year": {"dist": "fixed", "value": 1.0}}
#   changes = {"flag_completeness_ratio_per_year": {"dist": "fixed", "value": per_year(0.5, span)}}
#   ```
#   By what factor does the adjusted ratio's median move between the two, and why exactly that
#   factor, though the other assumptions are still drawn? (Each assumption has its own stream of
#   random numbers.)
# * Take the s.15A offences out of the flagged series:
#   ```python
#   include_s15a = False
#   ```
#   Which metrics lose their value, and why (hint: which years have a published s.15A count)? How
#   far does the recorded ratio fall?
