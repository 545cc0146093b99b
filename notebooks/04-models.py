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
# > **In short.** The model fills every unprinted force-year with a prediction interval, and is
# > first checked against published figures it was not shown; read each imputed total with its
# > interval.
#
# Most force-years have no published figure: forces did not answer, or no outlet printed
# their answer. This chapter asks what those cells could hold, and first how well its answer
# holds up against figures it was not shown.
#
# **What you can change.** In this notebook: the simulated demonstration (*The model on simulated
# data*), whose known rates, number of forces and overdispersion are set in its first cell. The
# model's own settings (`models:` in `config/config.yaml`, such as `alpha_method` or the number of
# imputation draws) need a rerun: from the project root, `.venv/bin/snakemake notebook_models describe_jobs`
# refits the models (a few minutes), redraws their figures and this chapter.

# %%

import numpy as np
import pandas as pd

from online_csa.rule_support.pipeline_job import pipeline_job
from online_csa.common.intervals import LOWER, UPPER, chance_of_covering_at_most
from online_csa.models.imputation_validation import MAX_RETRIES, NEW_MODEL, NO_SELECTION, PREVIOUS, RETRY_FACTOR
from online_csa.models.interval_sharpness import NOMINAL_LEVELS
from online_csa.models.leave_one_cell_out import BEFORE_MIXED_MODEL, NO_TOTALS, WITH_TOTALS, noise_only_relative_width
from online_csa.models.model_structures import DISPERSION_TREND, PLAIN, SLOPES, SUPPORT_MARGIN
from online_csa.report.narrative import figure, md, n, pct, results_path, table
from online_csa.report import simulated_count_model as demo

job = pipeline_job(globals(), "notebook_models")  # the Snakemake job, or in Jupyter the last run's
inp = job.input
par = job.params
coefficients = pd.read_csv(inp.coefficients)
national = pd.read_csv(inp.national_estimates)
constraints = pd.read_csv(inp.constraints)
selection = pd.read_csv(inp.selection)
calibration = pd.read_csv(inp.calibration)
total_checks = pd.read_csv(inp.total_checks)
shares = pd.read_csv(inp.flag_share)
decomposition = pd.read_csv(inp.flag_decomposition)
quarantined = pd.read_csv(inp.flag_quarantined)
breaks = pd.read_csv(inp.structural_breaks)
trends = pd.read_csv(inp.trends)
s15a_step = pd.read_csv(inp.s15a_step)
panel_values = pd.read_csv(inp.panel_values_used)
focus = par.focus_series
geography = par.geography
columns_95 = sorted({c for frame in (coefficients, shares, breaks, trends, s15a_step) for c in frame.columns
                     if c.endswith("_95")})
md(f"Every interval in this chapter is a **{pct(UPPER - LOWER)}** interval (the {pct(LOWER)} and {pct(UPPER)} "
   "points of the simulated draws, `lower_90` and `upper_90` in the tables), except the model-based intervals of "
   "the count models' year effects and steps, the flagged-share model and the trends with and without s.15A, "
   "which are 95% intervals: the columns " + ", ".join(f"`{c}`" for c in columns_95) + ".")

# %% [markdown]
# ## The answer first: does the imputation predict what it did not see?
#
# The figures that reached print are not a random sample of force-years, so a check that
# scores only printed cells cannot see that bias. The published totals can: each total is
# predicted by an imputation that was not shown it, nor any other total (of its year or cumulative
# over years) that covers one of its unprinted cells: **leave-one-total-out**), and we count how often its
# interval holds the published figure. Three models are scored the same way: the model this chapter uses (a
# mixed negative-binomial model with a *selection factor* for unprinted cells), the same model
# without the selection factor, and the previous method (fixed force and year effects,
# missing cells rescaled to the totals).

# %%
def coverage_of(model, scheme, series=focus):
    row = calibration[(calibration["model"] == model) & (calibration["scheme"] == scheme)
                      & (calibration["series"] == series)]
    return row.iloc[0] if len(row) else None


ALL, ONE_YEAR, CUMULATIVE = ("leave-one-total-out: all totals", "leave-one-total-out: one-year totals",
                              "leave-one-total-out: cumulative totals")
new, plain, old = (coverage_of(model, ALL) for model in (NEW_MODEL, NO_SELECTION, PREVIOUS))
md(f"For {focus}, **{new['covered']} of {new['scored']}** published totals left out fall inside the new model's "
   f"intervals ({pct(new['coverage'])}); without the selection factor {plain['covered']} of {plain['scored']} "
   f"({pct(plain['coverage'])}); the previous method {old['covered']} of {old['scored']} ({pct(old['coverage'])}). "
   f"Were the checks independent, a coverage from {new['scored']} of them would have a standard error of about "
   f"{pct((0.9 * 0.1 / new['scored']) ** 0.5)} around a true 90%; they are not (several come from one "
   "imputation, and vintages of one year's total are checked side by side), so the real uncertainty is larger.")
for other in calibration.loc[calibration["series"] != focus, "series"].drop_duplicates():
    o_new, o_plain, o_old = (coverage_of(model, ALL, other) for model in (NEW_MODEL, NO_SELECTION, PREVIOUS))
    if o_new is not None and o_new["scored"] > 0:
        chance = chance_of_covering_at_most(o_new["covered"], o_new["scored"], UPPER - LOWER)
        md(f"For {other}: {o_new['covered']} of {o_new['scored']} inside the new model's intervals "
           f"({pct(o_new['coverage'])}); without the selection factor {o_plain['covered']} of {o_plain['scored']}; "
           f"the previous method {o_old['covered']} of {o_old['scored']}."
           + (f" Were the {o_new['scored']} checks independent and every interval right, {o_new['covered']} or "
              f"fewer would be covered with probability {pct(chance)}: "
              + ("with so few totals, a shortfall this large is not unusual even for intervals that are right."
                 if chance >= 0.05 else "a shortfall unlikely by chance alone.")
              if o_new["coverage"] < UPPER - LOWER else ""))
yearly, cumulative = coverage_of(NEW_MODEL, ONE_YEAR), coverage_of(NEW_MODEL, CUMULATIVE)
new_rows = total_checks[(total_checks["model"] == NEW_MODEL) & (total_checks["series"] == focus)
                        & total_checks["inside"].notna()]
scored_cumulative = new_rows[new_rows["kind"] == "cumulative"]
low = scored_cumulative[scored_cumulative["estimate"] < scored_cumulative["published_value"]]
old_yearly, old_cumulative = coverage_of(PREVIOUS, ONE_YEAR), coverage_of(PREVIOUS, CUMULATIVE)
if cumulative is not None and yearly is not None:
    md(f"By kind of total: one-year totals {yearly['covered']} of {yearly['scored']} (previous method "
       f"{old_yearly['covered']} of {old_yearly['scored']}), cumulative totals {cumulative['covered']} of "
       f"{cumulative['scored']} (previous method {old_cumulative['covered']} of {old_cumulative['scored']}). "
       f"The cumulative totals (a force's or a region's sum over several years) cover mostly forces printed in other "
       "years, which recorded more in their unprinted years than the factor that fits the never-printed forces "
       "allows: the model gives the two kinds of force their own factor (below), and the cumulative totals, with "
       f"the yearly ones, weigh the draws. Even so, the new model's median for {len(low)} of the "
       f"{len(scored_cumulative)} cumulative totals lies below the published figure: inside the intervals, but "
       "centred low.")
# a coverage from `scored` checks, were they independent, has a binomial standard error of
# sqrt(0.9 x 0.1 / scored) around a true 90%
calibration["se_if_90"] = np.sqrt(0.9 * 0.1 / calibration["scored"].where(calibration["scored"] > 0))
calibration["within_two_se"] = (calibration["coverage"] - 0.9).abs() <= 2 * calibration["se_if_90"]
focus_rows = calibration[calibration["series"] == focus]
table(focus_rows, ["model", "scheme", "scored", "covered", "coverage", "se_if_90", "within_two_se",
                   "median_relative_width", "not_scored"],
      caption=f"Coverage of 90% intervals for {focus} by model and validation scheme; every series is in "
      f"{results_path(inp.calibration)}")
# %% [markdown]
# **Monte Carlo error of the validation.** Each left-out total is predicted from weighted
# proposals, resampled into draws, some of which the upper bounds then set aside; the kept draws,
# weighted back and counted by the distinct proposals they come from (`kept_effective_sample_size` in the checks
# table; `effective_sample_size` is the importance weights' own, before the bounds), set how
# precisely an interval's tails are placed, so the share of totals inside the intervals carries
# a Monte Carlo error on top of the binomial one.

# %%
tail = (1 - (UPPER - LOWER)) / 2  # the probability in each tail of the interval
md(f"A tail of {pct(tail)} estimated from ESS effective draws has a Monte Carlo standard deviation of about "
   f"√({tail:g} × {1 - tail:g} / ESS); the interval's two tails together put its true coverage at "
   f"{pct(UPPER - LOWER)} give or take about √(2 × {tail:g} × {1 - tail:g} / ESS).")
ess_rows = total_checks[(total_checks["model"] == NEW_MODEL) & total_checks["inside"].notna()]
for series, rows in ess_rows.groupby("series", sort=False):
    ess = rows.drop_duplicates("kept_effective_sample_size")["kept_effective_sample_size"]
    md(f"{series}: the kept draws behind the scored left-out totals count as "
       f"**{ess.min():,.0f}** independent ones at the least and **{ess.median():,.0f}** at the median; at the "
       "least, an interval's "
       f"coverage is uncertain by about {pct(np.sqrt(2 * tail * (1 - tail) / ess.min()), 1)} (one Monte Carlo "
       f"standard deviation), at the median by {pct(np.sqrt(2 * tail * (1 - tail) / ess.median()), 1)}.")
fold_rows = pd.read_csv(inp.cell_checks)
fold_rows = fold_rows[(fold_rows["model"] == NEW_MODEL)].drop_duplicates(["series", "scheme", "fold"])
for (series, scheme), rows in fold_rows.groupby(["series", "scheme"], sort=False):
    md(f"{series}, {scheme}: kept draws per fold count as {rows['kept_effective_sample_size'].min():,.0f} "
       f"independent ones at the least, {rows['kept_effective_sample_size'].median():,.0f} at the median.")
# a fold is scored only with at least min_effective_sample_size effective draws; below it, the
# validation reruns it with RETRY_FACTOR, its square, ... times the proposals (impute_for_scoring)
minimum = par.min_effective_sample_size
rerun = fold_rows[fold_rows["proposals"] > fold_rows["proposals"].min()]
unscored_folds = fold_rows[fold_rows["note"].fillna("").str.startswith("not scored")]
unscored_totals = total_checks[total_checks["method"].str.contains("not scored: its kept draws")]
md(f"A fold is scored only if its kept draws count as at least **{minimum:g}** independent ones, after the upper "
   "bounds (a floor: each 5% tail of a 90% interval then rests on at least one effective draw, and its coverage "
   f"is still uncertain by about {pct(np.sqrt(2 * tail * (1 - tail) / minimum), 1)}); a fold below it is rerun "
   f"with {', '.join(str(RETRY_FACTOR ** k) for k in range(1, MAX_RETRIES))} and then "
   f"{RETRY_FACTOR ** MAX_RETRIES} times the proposals, until it reaches the minimum. Of the held-out folds, "
   f"{len(rerun)} needed more proposals"
   + (" (" + ", ".join(f"{r.fold} ({r.series}, {r.scheme}: {r.kept_effective_sample_size:,.0f} effective draws "
                        f"from {r.proposals:,.0f} proposals)" for r in rerun.itertuples()) + ")" if len(rerun) else "")
   + f"; {len(unscored_folds)} stayed below the minimum and {'is' if len(unscored_folds) == 1 else 'are'} listed "
   "in the table but not scored"
   + (": " + ", ".join(f"{r.fold} ({r.series}, {r.scheme}): {r.note}" for r in unscored_folds.itertuples())
      if len(unscored_folds) else "")
   + f". Of the left-out totals, {unscored_totals['record_id'].nunique()} stayed below it and are not scored.")

# %% [markdown]
# **Upper bounds.** A published total over the modelled forces and others (a UK total, which
# includes Police Scotland) cannot be met exactly by the modelled forces, but it bounds them:
# the other forces' counts are unknown but not negative. It is applied as an upper bound on the
# sum of its modelled responders' cells (below, with the applied totals), and predicted without
# it like every total. It is not a figure an interval should hold, so the coverage above leaves
# it out; its check is whether the draws made without it stay at or below it.

# %%
bound_checks = total_checks[(total_checks["role"] == "upper bound") & (total_checks["model"] == NEW_MODEL)]
if len(bound_checks):
    within = bound_checks[bound_checks["upper_90"] <= bound_checks["bound"]]
    md(f"**{len(bound_checks)}** upper bounds are predicted without them: for {len(within)} of them the new model's "
       "90% interval lies at or below the bound; the share of draws at or below it ranges from "
       f"{pct(bound_checks['share_at_or_below_bound'].min())} to {pct(bound_checks['share_at_or_below_bound'].max())}.")
    table(bound_checks, ["series", "record_id", "fiscal_year", "bound", "estimate", "lower_90", "upper_90",
                         "share_at_or_below_bound"],
          caption=f"Upper bounds predicted without them (new model); every model is in {results_path(inp.total_checks)}")

# %%
misses = total_checks[(total_checks["model"] == NEW_MODEL) & (total_checks["inside"] == False)]  # noqa: E712
md(f"The totals the new model misses ({len(misses)}), with what it predicted without them:")
table(misses, ["series", "record_id", "fiscal_year", "geography", "published_value", "estimate", "lower_90",
               "upper_90"], caption=f"Every prediction is in {results_path(inp.total_checks)}")
md("Printed cells are scored too, by holding out every printed cell of one force (**leave-one-force-out**) or of "
   "one year (**leave-one-year-out**) and predicting them as printed cells. Both methods are given the same "
   "published totals: those that include none of the held-out cells. A force held out entirely gets a force "
   "effect drawn from the spread of forces, so its intervals are wide by design; the variance components are "
   "those of the fit to every printed cell (not re-estimated per fold, a slight optimism); the previous method "
   "cannot predict a year with no printed cell at all, so its leave-one-year-out row scores nothing. Each printed "
   "cell is also held out alone (**leave-one-cell-out**), both models refitted without it and given no published "
   "total" + ("" if coverage_of(NEW_MODEL, WITH_TOTALS) is None else
              ", and again **with totals**: as in the real imputation, the held-out cell becomes unprinted and every "
              "applied total that contains it still constrains it (a cell no applied total contains keeps its "
              "no-totals interval)")
   + ". This compares the two methods' printed-cell intervals like for like"
   + ("" if coverage_of(PREVIOUS, NO_TOTALS)["scored"] == coverage_of(NEW_MODEL, NO_TOTALS)["scored"] else
      f", on the same cells except that the previous method scores {coverage_of(PREVIOUS, NO_TOTALS)['scored']} "
      f"of the new model's {coverage_of(NEW_MODEL, NO_TOTALS)['scored']}: it cannot predict a cell that is its "
      "year's only printed one") + ".")
WIDTH_TARGET = par.width_target  # printed cells: median 90% interval width / estimate
for scheme in (NO_TOTALS, WITH_TOTALS, "leave-one-force-out", "leave-one-year-out"):
    mine, theirs = coverage_of(NEW_MODEL, scheme), coverage_of(PREVIOUS, scheme)
    if mine is None:
        continue
    previous_width = ("the previous method scores none" if theirs is None or not theirs["scored"] else
                      f"previous method {theirs['median_relative_width']:.2f}, coverage {pct(theirs['coverage'])}")
    met = "meets" if mine["median_relative_width"] <= WIDTH_TARGET else "does **not** meet"
    md(f"{scheme}, {focus}: median width / estimate of printed cells' 90% intervals "
       f"**{mine['median_relative_width']:.2f}** for the new model (coverage {pct(mine['coverage'])}; "
       f"{previous_width}): at the 90% level it {met} the target of {WIDTH_TARGET}.")
# the width NB noise alone gives the median printed cell if its mean were known exactly
one_out_cells = pd.read_csv(inp.one_out_checks)
held = one_out_cells[(one_out_cells["series"] == focus) & (one_out_cells["model"] == NEW_MODEL)
                     & (one_out_cells["scheme"] == NO_TOTALS)]
median_cell = float(held["observed"].median())
alpha_focus = float(coefficients.loc[coefficients["series"] == focus, "alpha"].iloc[0])
noise_width = noise_only_relative_width(median_cell, alpha_focus)
no_totals, with_totals = coverage_of(NEW_MODEL, NO_TOTALS), coverage_of(NEW_MODEL, WITH_TOTALS)
if no_totals is not None:
    narrowest = min(row["median_relative_width"] for row in (no_totals, with_totals) if row is not None)
    noise_word = ("already above" if noise_width > WIDTH_TARGET else
                  "just under" if noise_width > 0.9 * WIDTH_TARGET else "under")
    NOISE_SHARE = {"already above": "exceeds it", "just under": "nearly uses it up", "under": "uses part of it"}
    md(f"What sets the width: the model's overdispersion. With the fitted alpha of {alpha_focus:.3f}, a printed "
       f"cell of the median size ({n(median_cell)}) would have a 90% interval {noise_width:.2f} times its median "
       "wide *if its mean were known exactly*: that is the negative-binomial noise alone, "
       + noise_word + f" the target of {WIDTH_TARGET}."
       + (f" The leave-one-cell-out intervals are wider than that ({no_totals['median_relative_width']:.2f}) mostly "
          "because the cell's mean is uncertain too (its force's and year's effects without it)."
          if no_totals["median_relative_width"] > noise_width else "")
       + ("" if with_totals is None else
          " A published total narrows a held-out cell only as far as the other unprinted cells it shares the total "
          "with, and their selection factor (which the same totals estimate), leave it room "
          f"({with_totals['median_relative_width']:.2f} with totals, coverage {pct(with_totals['coverage'])}).")
       + " " + ("So with this overdispersion the target is not met at the 90% level: the noise alone "
                 + NOISE_SHARE[noise_word]
                 + ", and the uncertainty of the mean comes on top. Meeting it would take a lower alpha, which "
                 "neither this model's fit to the printed cells nor any structure below that the data support gives."
                 if narrowest > WIDTH_TARGET else ""))
# %% [markdown]
# **Like for like.** Where did the target come from, and is it fair? It is the median width of
# the intervals the pipeline gave before the mixed model: the previous method with a
# maximum-likelihood alpha. Intervals that miss more often are narrower whether or not the
# model behind them is better, so two models' widths are compared only where they cover equally
# often: each model's held-out cells are scored at every nominal level, from half the draws to
# nearly all of them, on the cells every model scores, and each model's width is read at the
# lowest level where it holds at least as many cells as the reference's intervals do (the
# reference's own width likewise: its narrowest intervals that hold as many).

# %%
widths = pd.read_csv(inp.width_comparison)
structures = pd.read_csv(inp.model_structures)
LEVEL_90 = UPPER - LOWER
PENALTY = 2 / (1 - LEVEL_90)  # the interval score's charge per unit a value falls outside
focus_widths = widths[(widths["series"] == focus) & (widths["scheme"] == NO_TOTALS)].set_index("model")
mine, theirs = focus_widths.loc[NEW_MODEL], focus_widths.loc[BEFORE_MIXED_MODEL]
ratio, mean_ratio, sd_ratio = mine["width_ratio"], mine["width_ratio_replicate_mean"], mine["width_ratio_replicate_sd"]
se_mean = sd_ratio / np.sqrt(mine["replicates"])  # of the mean over the replicate sets of draws
against_90 = mine["width_at_matched_coverage"] / theirs["width"]  # against the reference's 90% intervals themselves
md(f"Rerun here on the same held-out cells of {focus} ({theirs['scored']}, the cells every method scores; "
   f"{theirs['draws']:,} draws per cell), the reference's 90% intervals are **{theirs['width']:.2f}** times the "
   f"estimate wide and hold **{theirs['reference_covered']} of {theirs['scored']}** cells "
   f"({pct(theirs['reference_coverage'])}): the target, {WIDTH_TARGET}, is this width, from intervals that hold "
   f"fewer than {pct(LEVEL_90)} of the cells. The new model's narrowest intervals that hold as many (its "
   f"{pct(mine['matched_level'], 1)} intervals) are **{mine['width_at_matched_coverage']:.2f}** wide: "
   f"{against_90:.2f} times the reference's 90% intervals, and **{ratio:.2f}** times the reference's own narrowest "
   f"intervals that hold as many ({mine['reference_width_at_matched_coverage']:.2f}, at its "
   f"{pct(theirs['matched_level'], 1)} level). That ratio carries draw noise: over {mine['replicates']} further sets "
   f"of {theirs['draws']:,} draws from the same refits, each read at its own reference count as a rerun with another "
   f"seed would be, it averages **{mean_ratio:.2f}** with a standard deviation of {sd_ratio:.2f}. "
   + ("So where both hold as many cells, the new model's intervals are no wider than those the target was taken "
      "from." if mean_ratio <= 1 else
      "So where both hold as many cells as the reference's 90% intervals do, the new model's intervals are wider, "
      "by more than draw noise explains (the average is more than two of its standard errors above one): the target "
      "is not met like for like at that coverage either." if mean_ratio - 2 * se_mean > 1 else
      "So where both hold as many cells, the two differ by no more than draw noise explains."))
md("One number of cells is a fragile place to compare: coverage moves in steps as cells cross the ends of their "
   "intervals, and the width with it. So the ratio is read at every number of held cells from "
   f"{pct(mine['coverage_range_low'])} to {pct(mine['coverage_range_high'])} of them (as many as the widest "
   f"intervals scored, at {pct(NOMINAL_LEVELS[-1])}, of both models hold): it runs from "
   f"{mine['width_ratio_range_min']:.2f} to {mine['width_ratio_range_max']:.2f}, median "
   f"**{mine['width_ratio_range_median']:.2f}**. The previous method with this pipeline's alpha "
   f"({par.alpha_method}) gives {focus_widths.at[PREVIOUS, 'width_ratio']:.2f} at the reference's count and a median "
   f"of {focus_widths.at[PREVIOUS, 'width_ratio_range_median']:.2f} over the range.")
upper_bound = mine["interval_score_difference_upper_90"]
md("Width and misses in one number: the interval score (Gneiting and Raftery 2007) is the width plus "
   f"{PENALTY:g} times the distance by which the value falls outside a 90% interval; over the estimate and averaged "
   f"over the cells, lower is better. It is **{mine['interval_score']:.2f}** for the new model against "
   f"{theirs['interval_score']:.2f} for the reference, a mean difference of {mine['interval_score_difference']:+.2f} "
   f"(90% interval over {mine['bootstrap_resamples']:,} paired bootstrap resamples of the cells: "
   f"{mine['interval_score_difference_lower_90']:+.3f} to {upper_bound:+.3f}"
   + (", which includes zero)" if upper_bound >= 0 else ")")
   + f". The mean rests on a few cells: half of the summed difference comes from "
   f"**{mine['cells_behind_half_the_difference']}** of them, where the reference misses by far, and the median cell's "
   f"difference is {mine['interval_score_difference_median']:+.2f}"
   + (" (most cells lie inside both intervals and cost more under the new model's wider ones)."
      if mine["interval_score_difference_median"] > 0 else "."))
table(focus_widths.reset_index().round(3),
      ["model", "coverage", "width", "interval_score", "matched_level", "width_at_matched_coverage", "width_ratio",
       "width_ratio_range_median"],
      caption=f"Leave-one-cell-out, {focus}, no totals: 90% intervals, and each model's narrowest intervals that hold "
      f"as many cells as the reference's ({BEFORE_MIXED_MODEL}); every series and column is in "
      f"{results_path(inp.width_comparison)}, every level in {results_path(inp.calibration_curves)}")

# %% [markdown]
# **Could a richer model give narrower honest intervals?** The width is set by the
# overdispersion: whatever the force and year effects do not explain is noise. Two extensions
# would explain more of it if the data carried them: each force its own trend (random force
# slopes, as if the online flag spread through forces at different speeds), and a dispersion
# that changes over the years (as if the flag's use settled). Each is fitted as the mixed model
# is, by its marginal likelihood, and scored by leave-one-cell-out beside the plain structure,
# all three at their estimates.

# %%
focus_structures = structures[structures["series"] == focus].set_index("structure")
plain_row, slopes_row, trend_row = (focus_structures.loc[s] for s in (PLAIN, SLOPES, DISPERSION_TREND))
slopes_gain, trend_gain = (round(row["gain_over_plain"], 2) + 0.0 for row in (slopes_row, trend_row))  # no -0.00
FLOOR = 1e-3  # a spread below this is the fit's lower bound, not a measured value
slope_words = (f"below {FLOOR:g} (at the fit's lower bound)" if slopes_row["sigma_slope"] < FLOOR else
               f"{slopes_row['sigma_slope']:.3f}")
supported = focus_structures[focus_structures["supported"]]
narrower = [name for name, row in focus_structures.drop(PLAIN).iterrows()
            if row["median_relative_width"] < plain_row["median_relative_width"]
            and row["covered"] >= plain_row["covered"]]
md(f"For {focus}: random force slopes have an estimated spread of **{slope_words}** a year on the log scale and "
   f"change the log marginal likelihood by {slopes_gain:+.2f} ({slopes_row['evidence']}); an estimate of zero does "
   "not rule out a small spread. The dispersion trend takes alpha from "
   f"{trend_row['alpha_first_printed_year']:.3f} in {trend_row['first_printed_year']} to "
   f"{trend_row['alpha_last_printed_year']:.3f} in {trend_row['last_printed_year']} (the first and last years with "
   f"a printed cell) and changes it by {trend_gain:+.2f} ({trend_row['evidence']}); its fit puts sigma_year "
   + (f"at the fit's lower bound (below {FLOOR:g}), where the marginal likelihood is nearly flat"
      if trend_row["sigma_year"] < FLOOR else f"at {trend_row['sigma_year']:.3f}")
   + f". A structure counts as supported if it gains more than {SUPPORT_MARGIN:g}, a "
   "heuristic margin stricter than a likelihood-ratio test (the words in brackets are Kass and Raftery's for twice "
   "the gain, read as if it were a log Bayes factor): "
   + ("neither is" if supported.empty else ", ".join(supported.index) + (" is" if len(supported) == 1 else " are"))
   + f". Scored the same way, their 90% intervals hold {slopes_row['covered']} and {trend_row['covered']} of "
   f"{plain_row['scored']} cells at median widths of {slopes_row['median_relative_width']:.2f} and "
   f"{trend_row['median_relative_width']:.2f}, against {plain_row['covered']} at "
   f"{plain_row['median_relative_width']:.2f} for the plain structure: "
   + ("neither structure tried gives narrower intervals that hold as many cells." if not narrower else
      "; ".join(f"the structure {name} gives intervals "
                f"{pct(1 - focus_structures.at[name, 'median_relative_width'] / plain_row['median_relative_width'], 1)} "
                "narrower that hold as many cells" for name in narrower)
      + f", where the target needs {pct(1 - WIDTH_TARGET / plain_row['median_relative_width'])}.")
   + f" Every series is in {results_path(inp.model_structures)}.")
near_misses = structures[~structures["supported"] & (structures["gain_over_plain"] > 0)
                         & ~structures["evidence"].isin(["none", "not worth more than a bare mention"])]
for row in near_misses.itertuples():
    plain_other = structures[(structures["series"] == row.series) & (structures["structure"] == PLAIN)].iloc[0]
    test_words = (f"would keep it, p = {row.likelihood_ratio_p_value:.3f}" if row.kept_by_likelihood_ratio_test
                  else f"would not keep it either, p = {row.likelihood_ratio_p_value:.3f}")
    md(f"For {row.series}, the structure {row.structure} gains {row.gain_over_plain:+.2f}, under the margin "
       f"({row.evidence} evidence in Kass and Raftery's words; a likelihood-ratio test at 5% {test_words}). Its "
       f"intervals hold {row.covered} of {row.scored} cells at a median width of {row.median_relative_width:.2f}, "
       f"against {plain_other['covered']} at {plain_other['median_relative_width']:.2f} without it.")

# %%
cells = coverage_of(NEW_MODEL, "leave-one-force-out")
if cells is not None and cells["scored"]:
    se = (0.9 * 0.1 / cells["scored"]) ** 0.5
    md(f"Is {pct(cells['coverage'])} on {cells['scored']} held-out cells (leave-one-force-out, {focus}) acceptable? "
       f"If the intervals were right and the cells independent, the number covered would be binomial: a coverage "
       f"from {cells['scored']} cells has a standard error of √(0.9 × 0.1 / {cells['scored']}) = "
       f"**{pct(se, 1)}** around a true 90%, so anything from {pct(0.9 - 2 * se)} to {pct(min(0.9 + 2 * se, 1))} "
       f"is within two standard errors; {pct(cells['coverage'])} is "
       f"{'inside' if abs(cells['coverage'] - 0.9) <= 2 * se else 'outside'} that range. Cells of one force share its "
       "force effect, so they are not independent and the real standard error is larger. `se_if_90` and "
       "`within_two_se` in the table of coverage by model and validation scheme above do the same sum for every row.")

# %% [markdown]
# ## The model
#
# For each series, printed counts y (force f, year t, child population P):
#
# ```
# y_ft ~ NB2(mu_ft, alpha)                      variance mu + alpha * mu^2
# log mu_ft = log P_ft + b0 + b1 * (t - centre) + d_t + a_f
# a_f ~ Normal(0, sigma_force^2)                force effects, partially pooled
# d_t ~ Normal(0, sigma_year^2)                 each year's departure from the trend
# ```
#
# Force effects are *partially pooled*: a force with few printed figures is pulled towards the
# average force, and a force with none gets an effect drawn from the spread of force effects,
# an honest interval for an unknown force. A year resting on one or two printed cells is pulled
# towards the trend instead of taking those cells at face value. The variances and alpha are
# estimated by maximising the Laplace approximation of the marginal likelihood.
#
# **What uncertainty is propagated.** The coefficients' (from their approximate posterior);
# sigma_year's and alpha's (a small grid around their estimates, log sigma_year within one unit
# and log alpha within a quarter, each point weighted by its Laplace marginal likelihood, the
# draws mixed over the points, each with its own alpha); the selection factors' and their
# hyperparameters'; and which forces responded. **Not propagated:** sigma_force (held at its
# estimate), values of sigma_year or alpha outside the grid, and the error of the Laplace and
# Gaussian approximations themselves. The year effects in the table below are at the estimates.
#
# An **unprinted** cell has mean exp(s_t) * mu_ft if its force was never printed, and
# exp(s_t + g) * mu_ft if the force was printed in another year: s_t is the year's *selection
# factor*, drawn across years from a normal distribution with mean m and spread tau, and g says
# how differently a force printed in some years is selected (a normal prior on the log scale,
# centred on no difference, its spread `selection_prior.elsewhere_scale`). Nothing in the printed cells identifies them; the published totals do. A year's total,
# less its printed cells, is what its unprinted responders recorded; a cumulative total of one
# force or region over several years speaks mostly of forces printed in other years.
#
# **Imputation** weighs proposals of the coefficients and g by how well they explain the yearly
# published totals (integrating m exactly and tau on a grid) and then the cumulative ones *given
# the yearly ones* (a Gaussian conditional, so a cell in both kinds of total is counted once),
# resamples, and then draws counts *given their sums*: every draw satisfies every applied total
# exactly. Where a release says only how many forces responded, which forces they were is drawn
# afresh in each draw. An upper bound (a UK total over these forces and Police Scotland) then
# sets aside every draw whose modelled responders' cells sum above it, more draws being made
# while too few are left: the coefficients, the selection factors and the cells kept are all
# conditioned on it. So that fewer are set aside, the proposals are resampled towards those
# likely to stay within the bounds: each by a weight *a* that grows with a normal approximation
# of that chance (given the exact totals), with a floor that caps what a kept draw can weigh
# (`BoundTilt`), and each kept draw is weighted back by the inverse of *a*: the draws keep the
# distribution that setting aside alone gives them.
#
# **The proposal is adaptive.** Proposals drawn from the posterior given the printed cells (and
# g from its prior) fit the totals unevenly: a few carry most of the weight. So pilot rounds
# weigh such proposals and fit a multivariate t to their weighted mean and spread, along the few
# directions the totals inform (how each total's expected sum moves with the coefficients, and
# g), keeping a small share of the unadapted proposal; the final proposals come from that fit.
# The weights stay exact (the target density over the proposal density), so the draws have the
# same distribution, only with less Monte Carlo error. The *effective sample size* (ESS) says how
# many equally weighted draws the weighted proposals are worth: the smaller it is, the less
# precisely an interval's bounds are placed (below, in numbers). What remains uneven is the
# randomness the proposal does not adapt: which forces responded, and the selection factors
# drawn given the totals.

# %% [markdown]
# **The offset.** The logarithm of the child population enters the linear predictor with its
# coefficient fixed at one, so the model is a model of the *rate* per child: the exponential of
# the intercept is the average force's offences per child in the centre year, and a force with twice the children has
# twice the expected count at the same rate. The year and force effects then say how rates, not
# counts, differ.
#
# **Why two estimates of alpha differ.** The overdispersion alpha says how much more the counts
# vary than a Poisson count would: the variance is mu + alpha mu², not mu. The mixed model estimates it
# together with the spreads of the force and year effects, from the marginal likelihood. The
# previous method (fixed effects, one dummy per force) and the interrupted time series below
# estimate it by `models.alpha_method`: by maximum likelihood, or so that the Pearson statistic
# equals its degrees of freedom. With one dummy per force, a force printed in only one year is
# fitted exactly, its residual zero whatever alpha is; maximum likelihood counts those cells as
# evidence of little overdispersion and understates alpha, while the Pearson estimator charges
# one degree of freedom per parameter. The simulation below shows the difference on data whose
# alpha is known.

# %%
for series, c in coefficients.groupby("series", sort=False):
    first = c.iloc[0]
    md(f"**{series}**: {first['n_obs']} printed force-years from {first['n_forces_printed']} forces; "
       f"sigma_force = {first['sigma_force']:.2f}, sigma_year = {first['sigma_year']:.2f}, "
       f"alpha = {first['alpha']:.3f}. "
       + ("The posterior mode converged at the estimate and at every point of the grid over sigma_year and alpha. "
          if first["modes_converged"] else
          "**The posterior mode did not converge within the allowed scoring steps at the estimate or at a point of "
          "the grid over sigma_year and alpha: these coefficients and the imputation built on them are not "
          "reliable.** ")
       + f"Years resting on fewer than {par.min_cells_for_estimate} printed cells are "
       "not reported as estimates (`reported_as_estimated`).")
    table(c, ["term", "irr", "irr_lower_95", "irr_upper_95", "printed_cells", "reported_as_estimated"])

# %%
md(f"This run estimates the previous method's alpha by `{par.alpha_method}` (`models.alpha_method`).")

# %% [markdown]
# ## The model on simulated data
#
# The same equations on *synthetic* data, whose truth is known: forces with known child
# populations and rates, a known yearly growth and a known overdispersion, counts drawn from the
# negative binomial. Nothing here is real. Change the truth in the next cell and rerun the
# section to see how the fit follows it.

# %%
truth = demo.SyntheticTruth(rate_per_100k=40.0, yearly_growth=1.25, sigma_force=0.4, alpha=0.15, forces=24,
                            years=6, seed=20261130)
synthetic = demo.synthetic_count_panel(truth)
thin = demo.one_year_for_most_forces(synthetic, whole_forces=6)  # as printed: most forces in one year only
alphas = {"every cell": (demo.alpha_by_pearson(synthetic), demo.alpha_by_maximum_likelihood(synthetic)),
          "most forces in one year": (demo.alpha_by_pearson(thin), demo.alpha_by_maximum_likelihood(thin))}
synthetic_fit = demo.fit_count_model(synthetic, alphas["every cell"][0])
table(pd.DataFrame([{"panel": name, "cells": len(synthetic if name == "every cell" else thin),
                     "true_alpha": truth.alpha, "alpha_pearson": pearson, "alpha_ml": ml}
                    for name, (pearson, ml) in alphas.items()]),
      caption="Synthetic data: alpha estimated two ways")
md(f"On {len(synthetic)} synthetic cells ({truth.forces} forces, {truth.years} years) the fit recovers a yearly "
   f"growth of **{synthetic_fit.yearly_growth:.3f}** against the true {truth.yearly_growth:g}. With every cell, "
   f"the two estimates of alpha are {alphas['every cell'][0]:.3f} (Pearson) and {alphas['every cell'][1]:.3f} "
   f"(maximum likelihood) against the true {truth.alpha:g}; with most forces in one year only, they are "
   f"{alphas['most forces in one year'][0]:.3f} and **{alphas['most forces in one year'][1]:.3f}**: maximum "
   "likelihood falls further below the truth, as the forces fitted exactly pull it down.")

# %% [markdown]
# ### A prediction interval is not a confidence interval
#
# For one synthetic force-year: the confidence interval says where the *mean* lies, given the
# uncertainty of the coefficients; the prediction interval says where the *count* lies, adding the
# negative-binomial variation of a single year around its mean. An imputed cell is a count, so the
# imputation draws prediction intervals.

# %%
cell = synthetic.iloc[len(synthetic) // 2]
one = demo.one_cell_intervals(synthetic_fit, cell["force"], cell["year"], cell["population"])
table(pd.DataFrame([{"force": cell["force"], "year": cell["year"], "true_mean": cell["true_mean"],
                     "count_drawn": cell["count"], **one}]), caption="Synthetic data: one force-year")
md(f"The mean of {cell['force']} in {cell['year']} is estimated at {n(one['estimated_mean'])}, confidence interval "
   f"{n(one['mean_lower_90'])} to {n(one['mean_upper_90'])}; a count for that force-year lies between "
   f"{n(one['count_lower_90'])} and {n(one['count_upper_90'])}, an interval "
   f"{(one['count_upper_90'] - one['count_lower_90']) / (one['mean_upper_90'] - one['mean_lower_90']):.1f} times "
   "as wide.")

# %% [markdown]
# ### Residuals
#
# Pearson residuals, (y − mu) / √(mu + alpha mu²), against the fitted mean of every synthetic
# cell: with the right mean and variance they scatter around zero with about the same spread at
# every size, and few lie beyond two.

# %%
residuals = demo.pearson_residuals(synthetic_fit, synthetic)
figure(demo.plot_residuals(residuals))
md(f"Mean residual {residuals['pearson_residual'].mean():.2f}, standard deviation "
   f"{residuals['pearson_residual'].std():.2f}; {int((residuals['pearson_residual'].abs() > 2).sum())} of "
   f"{len(residuals)} beyond two.")

# %% [markdown]
# ### How a published total constrains the draws
#
# Suppose a release prints the total of one synthetic year and only some of that year's forces
# were printed. The imputation draws the unprinted cells *given their sum*: a rate per cell from
# the model (the gamma mixing of the negative binomial), then the total, less the printed cells,
# split among the unprinted cells in proportion to those rates. Each cell still varies from draw
# to draw, but their sum is the same in every draw, so the year's total has an interval of zero
# width. That is why a pinned year in the tables below has a lower bound equal to its upper
# bound: the model takes the published total as exact, it does not know it without error.

# %%
year = int(synthetic["year"].max())
unprinted = synthetic[synthetic["year"] == year].head(8)
published_remainder = int(unprinted["count"].sum())  # what the total leaves for the unprinted cells
given = demo.draws_given_total(unprinted["true_mean"].to_numpy(), truth.alpha, published_remainder)
low, high = np.quantile(given, [LOWER, UPPER], axis=0)
sums = given.sum(axis=1)
table(pd.DataFrame({"force": unprinted["force"], "lower_90": low, "upper_90": high}),
      caption=f"Synthetic data: unprinted cells of {year}, drawn given their sum")
md(f"Every one of {n(len(given))} draws sums to {n(published_remainder)} (from {n(sums.min())} to {n(sums.max())}), "
   f"while the cells' intervals are up to {n((high - low).max())} wide.")

# %% [markdown]
# ### The selection factor
#
# How much an unprinted force-year records, relative to a printed one of the same force and
# year, for forces never printed and for forces printed in another year, and the ratio of the
# two. Below one: those force-years recorded less than the printed ones would suggest.

# %%
shown = selection[selection["series"] == focus]
constrained = shown[shown["constrained"] & shown["forces"].isin(["never printed", "printed in another year"])]
ratio = shown[shown["forces"].str.startswith("ratio")]
for forces, rows in constrained.groupby("forces", sort=False):
    md(f"For {focus}, forces {forces}: the multiplier ranges from **{rows['multiplier'].min():.2f}** to "
       f"**{rows['multiplier'].max():.2f}** in the years a published total constrains.")
if len(ratio):
    r = ratio.iloc[0]
    md(f"A force printed in another year has **{r['multiplier']:.2f}** times the factor of a force never printed "
       f"(90% interval {r['lower_90']:.2f} to {r['upper_90']:.2f}). Years without a total draw the factors from "
       f"the spread across years. The importance weights leave an effective sample size of "
       f"{shown['effective_sample_size'].iloc[0]:,.0f} of the {shown['proposals'].iloc[0]:,} final proposals "
       f"weighed (after {shown['pilot_proposals'].iloc[0]:,} pilot proposals that adapted the proposal), "
       f"resampled with replacement to {shown['draws'].iloc[0]:,} draws; after the upper bounds, the kept draws "
       f"count as {shown['kept_effective_sample_size'].iloc[0]:,.0f} independent ones. The tail probability of a "
       "5th or 95th percentile then has a Monte Carlo standard deviation of about "
       f"{np.sqrt(0.05 * 0.95 / shown['kept_effective_sample_size'].iloc[0]):.3f}, so the interval bounds of the "
       "multipliers (which depend on the proposals alone) are approximate to that degree.")
table(shown, ["fiscal_year", "forces", "unprinted_cells", "constrained", "multiplier", "lower_90",
              "upper_90", "basis"],
      caption=f"Selection factors of {focus} by year: how much an unprinted force-year records relative to a "
              f"printed one; every series is in {results_path(inp.selection)}")

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
# all forces, with its interval. Markers: totals as the releases printed them, which cover only
# the forces that answered. A total with an interval of zero width is one a published total fixes
# exactly (it covers every force of the geography that year); `pinned_by_totals` says that every
# unprinted cell of the geography is fixed by some total in every draw, which still leaves the
# geography's total free when a total covers more forces than the geography.

# %%
figure(job.output.imputed_totals)
shown = national[(national["geography"] == geography) & (national["series"] == focus)]
table(shown, ["fiscal_year", "forces", "observed_forces", "observed_sum", "estimate", "lower_90", "upper_90",
              "pinned_by_totals", "note"])
for row in shown[shown["lower_90"] == shown["upper_90"]].itertuples():
    md(f"**{row.fiscal_year}: {n(row.estimate)}, from {n(row.lower_90)} to {n(row.upper_90)}.** The interval has zero "
       f"width because the published totals of {row.fiscal_year} fix the sum of every cell nobody printed: the "
       f"{row.observed_forces} printed cells are fixed, and the other {row.forces - row.observed_forces} are drawn "
       "given the totals (see *How a published total constrains the draws* above), so every draw gives the same sum. "
       "It is the published figure taken as exact, not a measurement without error.")

# %% [markdown]
# ### Which published totals the imputation uses
#
# Every published count of a modelled series is a candidate, with no list kept by hand. The
# rule for totals that describe the same cells: each year applies the totals of one release,
# the latest whose national total says how many forces responded (or, if none does, the latest),
# with that release's regional totals; a total of another release is applied only where it covers
# forces no applied total covers; every other total is predicted out of sample above. A total
# over forces outside the register (the Channel Islands) cannot constrain the model. A total over
# the modelled forces and forces outside the modelled geography with no printed figure (a UK total,
# with Police Scotland) is an upper bound on its modelled responders' cells: of bounds on the same
# cells whose figures differ the latest release's applies (the later vintage, as for the exact
# totals), of copies of one figure the one stating its responders, and every kept draw stays at
# or below it. A modelled force known to have given no figure that year is outside the bounded sum.

# %%
applied = constraints[constraints["applied"]]
bounds = applied[applied["role"] == "upper bound"]
md(f"**{len(applied)}** of {len(constraints)} candidate totals are applied, {len(applied) - len(bounds)} exactly "
   f"and **{len(bounds)}** as upper bounds; "
   f"{int((constraints['role'] == 'check').sum())} are scored out of sample only, "
   f"{int((constraints['role'] == 'upper bound, not applied').sum())} are upper bounds not applied (another bound "
   "on the same cells applies, or the printed cells rule it out: each says which), "
   f"{int((constraints['role'] == 'copy').sum())} repeat another and "
   f"{int((constraints['role'] == 'not usable').sum())} cannot be used. The imputation keeps only draws within "
   f"every applied bound: in every kept draw each of the {len(bounds)} bounds holds. The applied ones:")
table(applied, ["series", "record_id", "kind", "geography", "fiscal_years", "total", "forces_responded",
                "imputation"], caption="The published totals the imputation applies, and what it did with "
      f"each; every candidate, with the reason for each, is in {results_path(inp.constraints)}")
for series, rows in selection.groupby("series", sort=False):
    first = rows.iloc[0]
    md(f"{series}: {first['share_within_bounds']:.0%} of the count sets that meet the totals stay within the "
       "bounds (each weighted back by 1/a, so this is the share setting aside alone would keep); "
       f"the {first['draws']:,} kept draws come from {first['kept_distinct_proposals']:,} distinct proposals "
       f"and count as **{first['kept_effective_sample_size']:,.0f}** independent ones (the smaller of two counts: "
       "the kept draws' weights 1/a summed per proposal, (Σw)² over Σw², and the final draws counted per "
       "proposal, at most the number of draws), against an effective sample size of "
       f"{first['effective_sample_size']:,.0f} for the importance weights before the bounds.")

# %%
without_figure = bounds["forces_without_figure"].fillna("").str.replace(";", ", ")
partial = bounds[(without_figure != "") & (bounds["forces_responded"] == bounds["forces_in_geography"] - 1)]
for _, row in partial.iterrows():
    md(f"{row['record_id']} ({row['series']}, {row['fiscal_years']}) is a UK total over "
       f"{row['forces_responded']} of {row['forces_in_geography']} forces. The bound leaves out "
       f"{without_figure[row.name]}, the "
       "modelled force known to have given no figure that year, as the force that did not respond; that makes "
       "Police Scotland a responder.")
ewni = national[national["geography"] == "ewni"]
bounded = bounds[bounds["kind"] == "year"].merge(ewni, left_on=["series", "fiscal_years"],
                                                 right_on=["series", "fiscal_year"])
one_short = bounded[(bounded["series"] == focus)
                    & (bounded["forces_responded"] == bounded["forces_in_geography"] - 1)]
if len(one_short):
    md("The other reading of a UK total over all forces but one, Police Scotland as the non-responder, is not "
       "modelled: the total would then be exact on England, Wales and Northern Ireland and pin their estimate. "
       + "; ".join(f"{r['record_id']} would pin {focus} {r['fiscal_years']} at {r['total']:,.0f}, against the "
                   f"model's {r['estimate']:,.0f} [{r['lower_90']:,.0f}–{r['upper_90']:,.0f}], "
                   + ("inside" if r["lower_90"] <= r["total"] <= r["upper_90"] else "outside")
                   + " its interval" for _, r in one_short.sort_values("fiscal_years").iterrows()) + ".")
above = bounded[bounded["upper_90"] > bounded["total"]]
if len(above):
    def outside_sum(row) -> str:
        if isinstance(row["forces_without_figure"], str) and row["forces_without_figure"]:
            return row["forces_without_figure"].replace(";", ", ")
        unsure = row["forces_in_geography"] - row["forces_responded"]
        return ("one force drawn at random in each draw as the non-responder" if unsure == 1 else
                f"{unsure} forces drawn at random in each draw as non-responders")
    md("The England, Wales and Northern Ireland interval reaches above the published UK figure in "
       f"**{len(above)}** of the {len(bounded)} bounded years: "
       + "; ".join(f"{r['series']} {r['fiscal_years']} ({r['upper_90']:,.0f} against {r['total']:,.0f}; outside "
                   f"the bounded sum: {outside_sum(r)})" for _, r in above.iterrows())
       + ". The bound holds only for the forces it covers: a force outside the bounded sum can take the total "
       "above the UK figure.")

# %% [markdown]
# ### Imputed force-years
#
# Each force's printed figures and imputed cells with their intervals, year by year: a force
# printed in most years is imputed close to its own figures, a force never printed as the spread
# of forces allows.

# %%
figure(job.output.imputed_force_cells)

# %% [markdown]
# ## Flag propensity: is the rise a rise in flagging?
#
# Where a force-year has both the flagged count and all recorded child sexual offences, the
# flagged share is modelled as a binomial with force and year effects, its variance scaled by
# the Pearson statistic (quasi-likelihood).

# %%
figure(job.output.flagged_share)
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

# %% [markdown]
# **Check the arithmetic.** Flagged offences are all offences times the flagged share, so their
# growth factors multiply, and on the log scale they add: the share of the growth that is growth
# in flagging is the log of the share's growth over the log of the flagged offences' growth.

# %%
for row in decomposition.itertuples():
    assert abs(row.growth_all * row.growth_share / row.growth_flagged - 1) < 1e-4
    assert abs(np.log(row.growth_share) / np.log(row.growth_flagged) / row.share_of_log_growth_from_flagging - 1) < 1e-4
row = decomposition.iloc[0]
md(f"{row['from_year']} to {row['to_year']}: {row['growth_flagged']:.4f} = {row['growth_all']:.4f} × "
   f"{row['growth_share']:.4f} (all offences × flagged share), and log {row['growth_share']:.4f} / "
   f"log {row['growth_flagged']:.4f} = {np.log(row['growth_share']):.4f} / {np.log(row['growth_flagged']):.4f} = "
   f"**{row['share_of_log_growth_from_flagging']:.3f}**, the table's share; every row checks.")
if len(quarantined):
    md(f"{len(quarantined)} force-year pairs were left out because the flagged count exceeds all offences:")
    table(quarantined, ["force", "fiscal_year", "flagged", "all_offences", "reason"])

# %% [markdown]
# ## Structural breaks: the s.15A offence and the pandemic year
#
# The count model again, with a linear trend and a level step from 2017/18 (sexual
# communication with a child, s.15A) and from 2020/21 in place of the year effects.

# %%
table(breaks, ["term", "irr", "irr_lower_95", "irr_upper_95", "printed_cells", "reported_as_estimated"])
thin = breaks[~breaks["reported_as_estimated"]]
if len(thin):
    md("Not reported as estimates, because they rest on fewer than "
       f"{par.min_cells_for_estimate} printed cells: " + "; ".join(thin["term"]) + ". Intervals are model-based.")
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
its = trends[trends["method"].str.startswith("interrupted")].set_index("scope")
trend_row = breaks[breaks["term_kind"] == "trend"].iloc[0]
its_span = int(its["to_year"].iloc[0][:4]) - int(its["from_year"].iloc[0][:4])
with_s15a, without_s15a = its.loc["s.15A in scope", "ratio"], its.loc["s.15A out of scope", "ratio"]
assert abs(trend_row["irr"] ** its_span / without_s15a - 1) < 1e-4
assert abs(trend_row["irr"] ** its_span * step["irr"] / with_s15a - 1) < 1e-4
md(f"**Why the time series without s.15A gives {without_s15a:.2f} against the arithmetic's "
   f"{step['published_ratio_less_s15a']:.2f}.** The time series takes s.15A out by dropping its step: what is left "
   f"is the trend alone over the {its_span} years, {trend_row['irr']:.4f}^{its_span} = **{without_s15a:.2f}**; with "
   f"the step, {trend_row['irr']:.4f}^{its_span} × {step['irr']:.4f} = {with_s15a:.2f}. Because the step the panel "
   "estimates is below one, dropping it *raises* the ratio. An added offence cannot lower the count, so a step below "
   "one means the panel has not separated the offence's arrival from the trend: the trend carries the rise the step "
   "should carry, and the ratio without s.15A is not an estimate of the like-for-like rise. The published "
   "arithmetic takes the counted s.15A offences away directly and is the figure to use.")

# %% [markdown]
# ## What the data can and cannot say
#
# * The imputed totals no longer assume that forces without a figure are like the forces with
#   one: the selection factor measures the difference where a published total allows it, and
#   pools it across years elsewhere. The sensitivity chapter's `nonresponse_multiplier` scales,
#   on top of that, only the cells no published total pins.
# * The selection factor is identified only by the published totals, and a year without one
#   borrows it from the others: those years' intervals are wide, and somewhat too narrow, because
#   the spread of the force effects is plugged in at its estimate.
# * How the imputed part of a year is shared between forces printed in other years and forces
#   never printed rests on a handful of cumulative totals: it is the least certain output here.
# * Years outside the printed years and without a total cannot be imputed at all.
# * Nothing here corrects for offences that were never reported, never recorded or never
#   flagged: that is the next chapter.

# %% [markdown]
# ## Exercises
#
# * In the simulated section, make the overdispersion ten times smaller and then five times larger.
#   How do the confidence and prediction intervals of the one force-year change, and which changes
#   more? Why?
# * Keep whole only two forces in the simulated panel (`whole_forces` in `one_year_for_most_forces`).
#   How far below the truth does the maximum-likelihood alpha fall, and the Pearson one?
# * In `results/tables/force_year_estimates.csv`, find a force never printed and one printed in
#   most years. Compare the widths of their intervals in the same year, and explain the difference
#   from the equations above.
