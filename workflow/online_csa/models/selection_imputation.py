"""Impute the force-years that never reached print, allowing them to differ from the printed ones,
and condition every draw on the totals the ledger prints.

Why: the force figures that reach print are not a random sample. Local outlets print a force's
figure when it is newsworthy, and the forces without a printed figure record, by the published
totals' own arithmetic, far fewer offences than a model of the printed cells predicts.

Model (per series). Printed cells follow the mixed NB model (mixed_negative_binomial.py). A cell
without a printed figure has mean exp(s_t) times what the model gives a printed cell of the same
force and year if its force was never printed, and exp(s_t + g) times if the force was printed
in another year: s_t is the year's *selection factor* (log scale), with partial pooling across
years, s_t ~ Normal(m, tau^2); g says how much less selected a force is whose figure reached
print in some years (its force effect already rests on its own printed years). Only the
published totals identify s_t and g: a year's total, minus its printed cells, is what its
unprinted responders recorded; a cumulative total of one force or region over several years
mostly covers forces printed in other years.

Conditioning (importance sampling, then resampling):

1. Draw the coefficients from the mixed model's posterior given the printed cells (the proposal).
2. Draw g from its prior. For each year with applied totals, the totals' remainders give a
   Gaussian likelihood for s_t (delta method on the log scale); m is integrated out exactly and
   tau on a grid, and s_t is drawn from its conditional posterior. Each draw is weighted by how
   well its coefficients and g explain the yearly totals, and by the Gaussian likelihood of each
   cumulative total given the drawn selection factors and the yearly totals. So the totals inform
   the coefficients, the selection factors and (through the responders drawn in each draw) which
   forces responded. A cell in both a yearly and a cumulative total is counted once: the cumulative
   total enters through its Gaussian distribution given the yearly totals.
3. Counts are drawn given their sums: a gamma rate per cell (the NB mixing), then a multinomial
   split of each total's remainder in proportion to the rates, so every draw satisfies every
   applied total exactly. Cumulative totals are split first; a year's total then splits what is
   left among its free cells. A draw in which the two cannot both hold gets weight zero. The
   split, cumulative first, is not the exact conditional given both kinds of total.
4. The weighted proposals are resampled (multinomially, with replacement) to equally weighted
   draws: the effective sample size is counted over the final proposals.
5. An applied upper bound (a total over the modelled forces and others: total_constraints.py)
   multiplies a draw's weight by 1{its modelled responders' cells sum to at most the bound}, on
   the counts after step 3: the draws above it are set aside (further batches are resampled while
   too few are left), so the coefficients, the selection factors and the cells kept are all
   conditioned on it. Its responders are drawn once per proposal from a stream of their own: a
   bound that every proposal meets almost surely (Phi-hat below, within NEAR_CERTAIN of 1) changes
   no draw. So that fewer draws are set aside, step 4 resamples the
   proposals by weight x a, a = defensive + (1 - defensive) Phi-hat, where Phi-hat is a normal
   approximation of the proposal's chance of staying within every bound (each bounded sum given
   the equality totals that share its cells: _bound_log_within), and the kept draws (those within
   every bound) are resampled into the final draws by 1/a: they target exactly what setting
   aside alone targets, and a changes only how many are set aside (BoundTilt).

The proposal is adaptive (ProposalSettings): drawing the coefficients from their posterior
given the printed cells and g from its prior leaves very uneven weights once the totals speak
(the cumulative ones above all), so pilot rounds weigh such proposals and fit a multivariate t
to their weighted moments, along the few directions the totals inform (the gradients of the
blocks' expected sums in whitened coordinates, and g), with a share of the unadapted proposal
kept as a defensive component; the final proposals come from the last fit. The weights stay
exact (likelihood x prior density / proposal density); the pilot proposals are set aside.

Cells of a force that gave no figure (`not_provided`) are non-responders: no yearly total pins
them (a cumulative total from another release may), and they get the selection factor like
every unprinted cell. The sensitivity stage's non-response
multiplier scales only the cells no total pins, in each draw (`pinned`).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import linalg, special

from online_csa.common.fiscal_years import format_fiscal_year
from online_csa.common.intervals import central_interval
from online_csa.models.mixed_negative_binomial import MixedFit
from online_csa.models.negative_binomial import truncated_poisson
from online_csa.models.random_subsets import smallest_per_row
from online_csa.models.total_constraints import TotalCandidate

LOG_2PI = float(np.log(2 * np.pi))
BOUND_STREAM = 2  # the random stream of the upper bounds' responders and of any further batch of draws
NEAR_CERTAIN = 1e-6  # a proposal whose approximate chance of staying within every bound is this close to 1: no tilt
MAX_BOUND_BATCHES = 40  # batches of resampled draws tried before the kept draws repeat some that meet the bounds


@dataclass(frozen=True)
class SelectionPrior:
    """Prior of the selection factor's hyperparameters: m (the typical log multiplier) flat over
    [m_low, m_high] and integrated out exactly; tau (its spread across years) half-normal with
    scale tau_scale, on a grid. The log ratio g of the factor of a force printed in another year
    to that of a force never printed has prior Normal(0, elsewhere_scale^2); 0 drops the
    distinction (one factor per year for every unprinted cell)."""
    m_low: float = -3.0
    m_high: float = 1.5
    tau_scale: float = 0.5
    elsewhere_scale: float = 1.0
    tau_grid: tuple[float, ...] = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.6, 0.8, 1.0, 1.5)

    def tau_log_prior(self) -> tuple[np.ndarray, np.ndarray]:
        tau = np.asarray(self.tau_grid, dtype=float)
        return tau, -0.5 * (tau / self.tau_scale) ** 2 + np.log(np.gradient(tau))


@dataclass
class _Block:
    """One applied total's own cells in one year (its nested totals' cells taken out), or a
    cumulative total's cells."""
    record_id: str
    kind: str  # "year" or "cumulative"
    year: int | None
    candidates: np.ndarray  # indices into the unprinted cells
    forced: np.ndarray  # bool per candidate: certainly a responder (printed elsewhere, suppressed, held out)
    needed: int  # responders among the candidates
    remainder: float  # what the candidates that responded sum to


@dataclass
class _BoundBlock:
    """An applied upper bound: its modelled responders' cells (printed ones summed in `printed`)
    sum to at most `limit` in every kept draw."""
    record_id: str
    candidates: np.ndarray  # indices into the unprinted cells
    forced: np.ndarray  # bool per candidate: certainly a responder
    needed: int  # responders among the candidates
    printed: float  # the printed cells it covers (certainly responders)
    limit: float


def _bound_cells(b: _BoundBlock) -> str:
    """Its cells in words."""
    if b.needed == len(b.candidates):
        return f"its printed cells and its {len(b.candidates)} cells without a figure"
    return f"its printed cells and {b.needed} of its {len(b.candidates)} cells without a figure (drawn in each draw)"


@dataclass
class _CellArrays:
    """The model frame's columns that the blocks are built from, as arrays, read once per
    imputation: every applied total and bound asks which cells its forces and years cover."""
    force_code: np.ndarray  # each cell's force as an index into `force_index`
    force_index: dict  # force name -> its code
    year: np.ndarray
    value: np.ndarray
    observed: np.ndarray  # printed and not held out
    no_figure: np.ndarray  # the force gave no figure (`not_provided`)
    forced: np.ndarray  # in every draw's responders: a printed suppressed count (bounds, no figure) or held out
    position: np.ndarray  # each cell's index among the unprinted cells (-1 for a printed one)

    @classmethod
    def of(cls, cells: pd.DataFrame, unprinted: np.ndarray, held_out: np.ndarray) -> "_CellArrays":
        codes, names = pd.factorize(cells["force"])
        position = np.full(len(cells), -1)
        position[unprinted] = np.arange(len(unprinted))
        return cls(codes, {name: i for i, name in enumerate(names)}, cells["year"].to_numpy(),
                   cells["value"].to_numpy(float), cells["observed"].to_numpy() & ~held_out,
                   (cells["status"] == "not_provided").to_numpy(),
                   ~np.isnan(cells["lower"].to_numpy(float)) | held_out, position)

    def of_forces(self, forces) -> np.ndarray:
        """bool per cell: its force is one of `forces`."""
        wanted = np.zeros(len(self.force_index) + 1, dtype=bool)  # the last entry: a cell with no force
        wanted[[self.force_index[f] for f in forces if f in self.force_index]] = True
        return wanted[self.force_code]

    def covered(self, forces, years) -> np.ndarray:
        """bool per cell: its force one of `forces` and its year one of `years`."""
        return self.of_forces(forces) & np.isin(self.year, list(years))


def _bound_blocks(cells: _CellArrays, bounds: list[TotalCandidate], log: dict) -> list[_BoundBlock]:
    """Each applied upper bound over its modelled forces: the printed cells of its years, and the
    responders among the cells without a figure (every one not known to have given no figure, or,
    with a stated count, that many less the printed ones, drawn at random in each draw)."""
    blocks = []
    observed, no_figure = cells.observed, cells.no_figure
    for bound in bounds:
        c = bound.modelled()
        mask = cells.covered(c.forces, c.years)
        printed = float(cells.value[mask & observed].sum())
        eligible = mask & ~observed & (~no_figure | (c.kind == "cumulative"))
        candidates = np.flatnonzero(eligible)
        forced = cells.forced[candidates]
        if c.responded is None or c.kind == "cumulative":
            needed = len(candidates)
        else:
            needed = min(max(c.responded - int((mask & observed).sum()), int(forced.sum())), len(candidates))
        if printed > c.total:
            log[bound.record_id] = f"not applied in the imputation: printed cells exceed it by {printed - c.total:,.0f}"
            continue
        blocks.append(_BoundBlock(bound.record_id, cells.position[candidates], forced, needed, printed, c.total))
    return blocks


@dataclass
class SelectionImputation:
    cells: pd.DataFrame  # the model frame with method, constraints and pinned_share
    unprinted: np.ndarray  # indices of cells that were imputed
    draws: np.ndarray  # draws x unprinted cells (NaN: not estimable)
    pinned: np.ndarray  # draws x unprinted cells: True where an applied total fixes the cell's value
    selection: pd.DataFrame  # per year: the selection multiplier exp(s_t), constrained or pooled
    diagnostics: dict  # effective sample size, infeasible share, hyperparameters
    blocks: list  # the applied blocks, for the constraints table


def _year_blocks(cells: _CellArrays, constraints: list[TotalCandidate], log: dict) -> list[_Block]:
    """Reduce each year's applied totals (nested or disjoint) to blocks of disjoint cells."""
    blocks = []
    observed, no_figure, value = cells.observed, cells.no_figure, cells.value
    by_year: dict[int, list[TotalCandidate]] = {}
    for c in constraints:
        if c.kind == "year":
            by_year.setdefault(c.years[0], []).append(c)
    for year, group in by_year.items():
        in_year = cells.year == year
        responding = {}  # per total of the year: the cells of its forces that may have responded

        def responders(total: TotalCandidate) -> int:
            if total.record_id not in responding:
                responding[total.record_id] = int((in_year & cells.of_forces(total.forces) & ~no_figure).sum())
            return responding[total.record_id] if total.responded is None else total.responded

        for c in group:
            children = [d for d in group if d is not c and set(d.forces) < set(c.forces)
                        and not any(set(d.forces) < set(e.forces) < set(c.forces) for e in group)]
            child_forces = set().union(*(set(d.forces) for d in children)) if children else set()
            own = in_year & cells.of_forces(set(c.forces) - child_forces)
            printed_sum = float(value[own & observed].sum())
            candidates_mask = own & ~observed & ~no_figure
            candidates = np.flatnonzero(candidates_mask)
            forced = cells.forced[candidates]
            needed = responders(c) - sum(responders(d) for d in children) - int((own & observed).sum())
            remainder = c.total - sum(d.total for d in children) - printed_sum
            problem = ""
            if remainder < 0:
                problem = f"its own cells' remainder is negative ({remainder:,.0f})"
            elif needed < int(forced.sum()) or needed > len(candidates):
                problem = (f"{needed} responders needed among {len(candidates)} forces without a figure "
                           f"({int(forced.sum())} certain)")
            elif needed == 0 and remainder > 0:
                problem = f"no force left to account for {remainder:,.0f}"
            if problem:
                log[c.record_id] = f"not applied in the imputation: {problem}"
                continue
            blocks.append(_Block(c.record_id, "year", year, cells.position[candidates], forced, needed, remainder))
            log[c.record_id] = (f"{needed} of {len(candidates)} forces without a figure in its own cells "
                                f"responded; their draws sum to {remainder:,.0f}")
    return blocks


def _cumulative_blocks(cells: _CellArrays, constraints: list[TotalCandidate], log: dict) -> list[_Block]:
    blocks = []
    observed = cells.observed
    for c in constraints:
        if c.kind != "cumulative":
            continue
        mask = cells.covered(c.forces, c.years)
        remainder = c.total - float(cells.value[mask & observed].sum())
        candidates = np.flatnonzero(mask & ~observed)
        if remainder < 0:
            log[c.record_id] = f"not applied in the imputation: printed cells exceed it by {-remainder:,.0f}"
            continue
        if len(candidates) == 0:
            log[c.record_id] = "every cell printed: a check, not a constraint"
            continue
        blocks.append(_Block(c.record_id, "cumulative", None, cells.position[candidates],
                             np.ones(len(candidates), dtype=bool), len(candidates), remainder))
        log[c.record_id] = f"its {len(candidates)} cells without a figure sum to {remainder:,.0f} in every draw"
    return blocks


def unusable_constraints(cells: pd.DataFrame, constraints: list[TotalCandidate]) -> dict[str, str]:
    """Applied totals the imputation could not apply, with why: every rule that sets a series up
    marks them not applied before using the list, so the tables agree."""
    cells = cells.reset_index(drop=True)
    held_out = np.zeros(len(cells), dtype=bool)
    unprinted = np.flatnonzero(~cells["observed"].to_numpy())
    log: dict[str, str] = {}
    applied = [c for c in constraints if c.applied and not c.is_bound]
    arrays = _CellArrays.of(cells, unprinted, held_out)
    _cumulative_blocks(arrays, applied, log)
    _year_blocks(arrays, applied, log)
    _bound_blocks(arrays, [c for c in constraints if c.applied and c.is_bound], log)
    return {record_id: why.replace("not applied in the imputation: ", "not applied: ")
            for record_id, why in log.items() if why.startswith("not applied") or why.startswith("every cell")}


def _membership(block: _Block, draws: int, rng: np.random.Generator) -> np.ndarray:
    """draws x candidates: which candidates responded in each draw."""
    n = len(block.candidates)
    if block.needed == n:
        return np.ones((draws, n), dtype=bool)
    member = np.zeros((draws, n), dtype=bool)
    member[:, block.forced] = True
    others = np.flatnonzero(~block.forced)
    pick = block.needed - int(block.forced.sum())
    if pick > 0:
        member[:, others] = smallest_per_row(rng.random((draws, len(others))), pick)
    return member


def _log_normal_pdf(x, mean, var):
    return -0.5 * (LOG_2PI + np.log(var) + (x - mean) ** 2 / var)


def _split(total: np.ndarray, rates: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Counts (draws x cells) summing to `total` per draw, split in proportion to `rates`."""
    sums = rates.sum(axis=1, keepdims=True)
    n = rates.shape[1]
    p = np.where(sums > 0, rates / np.where(sums > 0, sums, 1.0), (rates >= 0) / max(n, 1))
    p = p / p.sum(axis=1, keepdims=True)
    return rng.multinomial(np.maximum(total, 0).astype(np.int64), p).astype(float)


def _systematic_resample(weights: np.ndarray, rng: np.random.Generator, size: int | None = None) -> np.ndarray:
    """`size` (default: as many as the weights) indices drawn by systematic resampling of the
    normalised `weights`, in increasing order."""
    size = len(weights) if size is None else size
    positions = (rng.random() + np.arange(size)) / size
    return np.minimum(np.searchsorted(np.cumsum(weights), positions), len(weights) - 1)


@dataclass(frozen=True)
class BoundTilt:
    """How the applied upper bounds shape the resampling of the weighted proposals. Each
    proposal's chance that its count set stays within every bound is approximated
    (Phi-hat, _bound_log_within); proposals are resampled by importance weight x a, with
    a = defensive + (1 - defensive) Phi-hat, and each kept draw (one within every bound) then
    carries weight 1/a when the kept draws are resampled into the final ones. So the kept draws
    target exactly what setting aside the draws above a bound targets; a changes only how many
    are set aside, and the share `defensive` caps a kept draw's weight at 1/defensive.
    defensive 1: rejection alone (every a = 1)."""
    defensive: float = 0.1
    power: float = 1.0


def _bound_member_of(b: _BoundBlock, member: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """proposals x `cells`: whether each cell is among the bound's responders (False outside the bound)."""
    out = np.zeros((member.shape[0], len(cells)), dtype=bool)
    inside = np.isin(cells, b.candidates)
    out[:, inside] = member[:, np.searchsorted(b.candidates, cells[inside])]
    return out


def _bound_log_within(bounds: list[_BoundBlock], bound_members: list[np.ndarray], blocks: list[_Block],
                      block_members: list[np.ndarray], column: np.ndarray, mean: np.ndarray,
                      var: np.ndarray) -> np.ndarray:
    """Per proposal, log Phi-hat: a normal approximation of the chance that every applied bound
    holds. Each bound's sum (its printed cells plus its responders' counts, `bound_members`) is
    taken as Gaussian with the cells' NB means and variances (`mean`, `var`: proposals x the
    columns `column` maps the unprinted cells to), conditioned on the applied equality totals
    whose cells overlap the bound's (each total's sum over its responders, `block_members`, is
    its remainder in every draw; the cells are independent given the proposal, so the bound's
    sum and those totals are jointly Gaussian), with a continuity correction of one half; the
    bounds' probabilities are multiplied (bounds in different years are independent given the
    proposal)."""
    proposals = mean.shape[0]
    log_within = np.zeros(proposals)
    for b, member in zip(bounds, bound_members):
        in_bound = np.zeros(len(column), dtype=bool)
        in_bound[b.candidates] = True
        m, v = mean[:, column[b.candidates]], var[:, column[b.candidates]]
        expected, variance = np.where(member, m, 0.0).sum(axis=1), np.where(member, v, 0.0).sum(axis=1)
        overlapping = [(block, block_member) for block, block_member in zip(blocks, block_members)
                       if in_bound[block.candidates].any()]
        cells = np.concatenate([block.candidates for block, _ in overlapping] + [np.zeros(0, dtype=int)])
        if len(np.unique(cells)) == len(cells):  # disjoint totals (one year's): their sums are independent
            for block, block_member in overlapping:
                m, v = mean[:, column[block.candidates]], var[:, column[block.candidates]]
                shared = block_member & in_bound[block.candidates][None, :]
                if b.needed < len(b.candidates):  # the bound's responders among the shared cells
                    shared &= _bound_member_of(b, member, block.candidates)
                total_var = (v * block_member).sum(axis=1) + 0.25
                cov = (v * shared).sum(axis=1)
                expected = expected + cov / total_var * (block.remainder - (m * block_member).sum(axis=1))
                variance = variance - cov ** 2 / total_var
        else:  # a cell in two totals (a year's and a cumulative one): condition on them jointly
            local = np.unique(np.concatenate([b.candidates, cells]))
            m, v = mean[:, column[local]], var[:, column[local]]
            a = np.zeros(m.shape)
            a[:, np.searchsorted(local, b.candidates)] = member
            totals = np.zeros((proposals, len(overlapping), len(local)))
            for t, (block, block_member) in enumerate(overlapping):
                totals[:, t, np.searchsorted(local, block.candidates)] = block_member
            remainders = np.array([block.remainder for block, _ in overlapping])
            gap = remainders[None, :] - np.einsum("ptc,pc->pt", totals, m)
            cov_with = np.einsum("pc,ptc->pt", a * v, totals)
            cov_totals = np.einsum("ptc,puc->ptu", totals * v[:, None, :], totals) \
                + 0.25 * np.eye(len(overlapping))[None]
            solved = np.linalg.solve(cov_totals, np.stack([gap, cov_with], axis=2))
            expected = expected + np.sum(cov_with * solved[:, :, 0], axis=1)
            variance = variance - np.sum(cov_with * solved[:, :, 1], axis=1)
        z = (b.limit - b.printed + 0.5 - expected) / np.sqrt(np.maximum(variance, 0.25))
        log_within += special.log_ndtr(z)
    return log_within


def _effective_size(weights: np.ndarray) -> float:
    """(sum w)^2 / sum w^2: how many equally weighted draws `weights` (per distinct proposal) are worth."""
    weights = weights.astype(float)
    return float(weights.sum() ** 2 / np.sum(weights ** 2))


def _log_normal_mass(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """log(Phi(b) - Phi(a)) for a < b, computed in the tail where it is small: from the upper tail
    when a > 0 (Phi(-a) - Phi(-b)), so a range far from the centre keeps its (tiny) mass."""
    upper = a > 0
    hi = special.log_ndtr(np.where(upper, -a, b))
    lo = special.log_ndtr(np.where(upper, -b, a))
    with np.errstate(divide="ignore"):
        return hi + np.log1p(-np.exp(np.minimum(lo - hi, 0.0)))


def _hyper_posterior(s_hat: dict, s_var: dict, years: list, prior: SelectionPrior, rng: np.random.Generator
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per proposal: the log marginal likelihood of the years' s estimates (s_hat_t ~ Normal(m,
    s_var_t + tau^2)), with m integrated out exactly under its flat prior (a Gaussian integral
    truncated to [m_low, m_high]) and tau summed over its grid; and a draw of (m, tau) from
    their posterior."""
    tau, log_prior = prior.tau_log_prior()
    est = np.stack([s_hat[y] for y in years], axis=1)[:, :, None]  # proposals x years x 1
    var = np.stack([s_var[y] for y in years], axis=1)[:, :, None] + tau[None, None, :] ** 2
    precision = (1 / var).sum(axis=1)  # proposals x tau
    centre = (est / var).sum(axis=1) / precision
    sd = 1 / np.sqrt(precision)
    a, b = (prior.m_low - centre) / sd, (prior.m_high - centre) / sd
    log_mass = _log_normal_mass(a, b)
    log_p = (log_prior[None, :] + _log_normal_pdf(est, centre[:, None, :], var).sum(axis=1)
             + 0.5 * (LOG_2PI - np.log(precision)) + log_mass - np.log(prior.m_high - prior.m_low))
    log_marginal = special.logsumexp(log_p, axis=1)
    cdf = np.cumsum(np.exp(log_p - log_marginal[:, None]), axis=1)
    n = len(log_marginal)
    g = np.minimum((cdf < rng.random(n)[:, None]).sum(axis=1), len(tau) - 1)
    rows = np.arange(n)
    # m given tau: the Gaussian (centre, sd) truncated to [m_low, m_high], by its inverse cdf
    lo, hi = special.ndtr(a[rows, g]), special.ndtr(b[rows, g])
    u = np.clip(lo + rng.random(n) * (hi - lo), 1e-12, 1 - 1e-12)
    m = np.clip(centre[rows, g] + sd[rows, g] * special.ndtri(u), prior.m_low, prior.m_high)
    return log_marginal, m, tau[g]


def _unselected_means(mean: np.ndarray, mu: np.ndarray, selected: np.ndarray) -> np.ndarray:
    """`mean` (rows x cells, the means with the selection factor) with the model's mean `mu` in the
    columns of the cells without the factor (held-out printed cells): in place, and returned."""
    if not selected.all():
        mean[:, ~selected] = mu[:, ~selected]
    return mean


def _cumulative_log_likelihood(cumulative: list[_Block], yearly: list[_Block], memberships: list[np.ndarray],
                               mu, mu_selected, s, col_year, selected, alpha, used: np.ndarray) -> np.ndarray:
    """Per proposal, the Gaussian log likelihood of each cumulative total's remainder given the
    coefficients, the selection factors *and the yearly totals*: the totals over several years of
    one force or region are what tell a force printed in another year from one never printed.

    Many of a cumulative total's cells also sit in a yearly block, whose total already says much
    of what they sum to; the yearly totals have weighed the proposal already (and drawn s). So the
    cumulative remainder C enters through its conditional distribution given the yearly
    remainders Y_b: with every cell independent given the factors (mean m_i, NB variance v_i),
    (C, Y_b) is jointly Gaussian, the Y_b are disjoint, and C | Y has mean
    E C + sum_b cov(C, Y_b) / var(Y_b) (Y_b - E Y_b) and variance var C - sum_b cov(C, Y_b)^2 / var(Y_b).
    Multiplying by p(C | factors) instead would count the shared cells' information twice.
    Cumulative totals are taken as independent of each other given the yearly ones (the applied
    ones share no cells). `used`: the cells of every block, the only columns read."""
    log_l = np.zeros(mu.shape[0])
    if not cumulative:
        return log_l
    column = np.full(mu.shape[1], -1)  # each cell's column among `used`
    column[used] = np.arange(len(used))
    every = len(used) == mu.shape[1] and bool((used == np.arange(len(used))).all())  # no column to leave out
    mean = (mu_selected if every else mu_selected[:, used]) * np.exp(s)[:, col_year[used]]
    _unselected_means(mean, mu if every else mu[:, used], selected[used])
    var = mean + alpha[:, None] * mean ** 2
    yearly_sums = {}  # per yearly block, computed once for every cumulative total that shares cells with it
    for c in cumulative:
        in_c = np.zeros(mu.shape[1], dtype=bool)
        in_c[c.candidates] = True
        expected = mean[:, column[c.candidates]].sum(axis=1)
        variance = var[:, column[c.candidates]].sum(axis=1) + 0.25
        for i, (b, member) in enumerate(zip(yearly, memberships)):
            in_both = in_c[b.candidates]
            if not in_both.any():  # no cell in common: nothing to condition on
                continue
            shared = member & in_both[None, :]
            if not shared.any():
                continue
            if i not in yearly_sums:
                var_block = var[:, column[b.candidates]]
                yearly_sums[i] = (var_block, (var_block * member).sum(axis=1) + 0.25,
                                  (mean[:, column[b.candidates]] * member).sum(axis=1))
            var_block, var_b, mean_b = yearly_sums[i]
            cov = (var_block * shared).sum(axis=1)
            expected = expected + cov / var_b * (b.remainder - mean_b)
            variance = variance - cov ** 2 / var_b
        log_l += _log_normal_pdf(c.remainder, expected, np.maximum(variance, 0.25))
    return log_l


def _selection_weights(yearly, memberships, mu, mu_selected, alpha, selected, constrained_years, year_of,
                       prior: SelectionPrior, rng: np.random.Generator, u: np.ndarray):
    """Per proposal, the yearly totals' log likelihood with the selection factors integrated out
    (each year's blocks give a Gaussian likelihood for s_t; m exactly and tau on a grid), and a
    draw of s (proposals x years), m and tau from their conditional posterior: s_t is its
    conditional mean plus its conditional sd times u_t (standard normal under the target's
    conditional, so the proposal may adapt u like the coefficients)."""
    proposals = len(alpha)
    log_w = np.zeros(proposals)
    s_hat, s_var = {}, {}
    for year in constrained_years:
        precision, weighted, consistency = np.zeros(proposals), np.zeros(proposals), np.zeros(proposals)
        parts = []
        for b, member in zip(yearly, memberships):
            if b.year != year:
                continue
            cols = b.candidates
            sel = member & selected[cols][None, :]
            fix = member & ~selected[cols][None, :]
            mu_sel, mu_fix = mu_selected[:, cols], mu[:, cols]
            m_sel = (mu_sel * sel).sum(axis=1)
            m_fix = (mu_fix * fix).sum(axis=1)
            q_sel = ((mu_sel ** 2) * sel).sum(axis=1)
            q_fix = ((mu_fix ** 2) * fix).sum(axis=1)
            r = np.maximum(b.remainder - m_fix, 0.0) + 0.5
            # exp(s) at the estimate; the NB variance of the selected cells is exp(s) m + alpha exp(2s) q
            scale = r / np.maximum(m_sel, 1e-9)
            est = np.log(scale)
            var = (r + alpha * scale ** 2 * q_sel + m_fix + alpha * q_fix) / r ** 2
            parts.append((est, var))
            precision += 1 / var
            weighted += est / var
        v = 1 / precision
        centre = v * weighted
        for est, var in parts:  # how well the blocks of one year agree with each other
            consistency += _log_normal_pdf(est, centre, var)
        consistency -= _log_normal_pdf(centre, centre, v)
        s_hat[year], s_var[year] = centre, v
        log_w += consistency
    log_marginal, m, tau = _hyper_posterior(s_hat, s_var, constrained_years, prior, rng)
    log_w += log_marginal
    s = m[:, None] + tau[:, None] * u
    for year in constrained_years:
        i = year_of[year]
        precision = 1 / s_var[year] + 1 / tau ** 2
        mean = (s_hat[year] / s_var[year] + m / tau ** 2) / precision
        s[:, i] = mean + u[:, i] / np.sqrt(precision)
    return log_w, s, m, tau


@dataclass(frozen=True)
class ProposalSettings:
    """The adaptive importance-sampling proposal. Round 0 draws the coefficients from the mixed
    model's posterior given the printed cells and g from its prior; each of `rounds` adaptation
    rounds weighs `pilot` proposals and fits, to their weighted moments, a multivariate t
    proposal (`t_df` degrees of freedom) for the coefficients (in the whitened coordinates of
    each grid point of sigma_year and alpha) and g, and a distribution over the grid points;
    the final round weighs the proposals that are resampled. A share `defensive` of every
    adapted proposal is the round-0 proposal, so no weight exceeds 1/defensive times its
    round-0 value. rounds 0: the posterior given the printed cells is the proposal."""
    rounds: int = 2
    pilot: int = 3000
    t_df: float = 5.0
    defensive: float = 0.05
    yearly_directions: bool = True


@dataclass
class _ProposalDraw:
    point: np.ndarray  # grid point of (sigma_year, alpha) per proposal
    z: np.ndarray  # proposals x informed directions of (whitened coefficients, g / its prior scale, u)
    theta: np.ndarray
    alpha: np.ndarray
    g: np.ndarray
    u: np.ndarray  # proposals x years: the selection factors' standard normal draws
    log_correction: np.ndarray  # log target prior density - log proposal density


class _AdaptiveProposal:
    """Adaptive importance sampling over the coefficients, the grid point and g. The target is
    the posterior given the printed cells (the grid mixture of Gaussians), times g's prior, times
    the totals' likelihood; the weights are exact: likelihood x target prior / proposal."""

    def __init__(self, points: tuple, g_scale: float, adapt: ProposalSettings, basis: np.ndarray | None = None,
                 factors: int = 0):
        self.point_weights, self.alphas, self.modes, self.chols = points  # MixedFit.points()
        self.g_scale, self.settings = g_scale, adapt
        # whitened coefficients, g over its prior scale, then the selection factors' standard normals u
        self.full_dim = self.modes.shape[1] + (1 if g_scale > 0 else 0) + factors
        self.factors = factors
        # the directions the totals inform (orthonormal columns); the others keep the base proposal
        self.basis = np.eye(self.full_dim) if basis is None else basis
        self.dim = self.basis.shape[1]
        self.adapted = None  # (point probabilities, t centre, t scale's Cholesky factor)

    def sample(self, n: int, rng: np.random.Generator) -> _ProposalDraw:
        full = rng.standard_normal((n, self.full_dim))
        base_normal = full @ self.basis  # the informed coordinates, standard normal under the base
        rest = full - base_normal @ self.basis.T
        if self.adapted is None:
            point = rng.choice(len(self.point_weights), size=n, p=self.point_weights)
            z = base_normal
        else:
            probabilities, centre, chol = self.adapted
            point = rng.choice(len(probabilities), size=n, p=probabilities)
            chi = rng.chisquare(self.settings.t_df, n)
            z = centre[None, :] + (base_normal @ chol.T) / np.sqrt(chi / self.settings.t_df)[:, None]
            from_base = rng.random(n) < self.settings.defensive
            base_point = rng.choice(len(self.point_weights), size=n, p=self.point_weights)
            point = np.where(from_base, base_point, point)
            z = np.where(from_base[:, None], rng.standard_normal((n, self.dim)), z)
        p = self.modes.shape[1]
        whitened = rest + z @ self.basis.T
        theta = np.empty((n, p))
        for k in np.unique(point):  # one grid point at a time: no per-proposal copy of its factor
            rows = point == k
            theta[rows] = self.modes[k][None, :] + whitened[rows, :p] @ self.chols[k].T
        g = self.g_scale * whitened[:, p] if self.g_scale > 0 else np.zeros(n)
        u = whitened[:, self.full_dim - self.factors:]
        log_base = np.log(self.point_weights[point]) - 0.5 * np.sum(z ** 2, axis=1)  # up to a constant
        if self.adapted is None:
            log_correction = np.zeros(n)
        else:
            probabilities, centre, chol = self.adapted
            log_adapted = np.log(probabilities[point]) + _log_t_density(z, centre, chol, self.settings.t_df)
            log_base_normalised = log_base - 0.5 * self.dim * LOG_2PI
            log_q = np.logaddexp(np.log1p(-self.settings.defensive) + log_adapted,
                                 np.log(self.settings.defensive) + log_base_normalised)
            log_correction = log_base_normalised - log_q
        return _ProposalDraw(point, z, theta, self.alphas[point], g, u, log_correction)

    def adapt(self, draw: _ProposalDraw, log_w: np.ndarray) -> None:
        """Fit the next proposal to the weighted moments; the covariance is shrunk towards the
        identity (the round-0 proposal's, in these coordinates) by the effective sample size, so a
        direction the pilot cannot resolve keeps the printed cells' posterior spread."""
        weights = np.exp(log_w - log_w.max())
        weights /= weights.sum()
        ess = 1.0 / np.sum(weights ** 2)
        centre = weights @ draw.z
        deviation = draw.z - centre[None, :]
        covariance = (weights[:, None] * deviation).T @ deviation
        share = ess / (ess + self.dim)
        covariance = share * covariance + (1 - share) * np.eye(self.dim)
        points = np.bincount(draw.point, weights=weights, minlength=len(self.point_weights))
        probabilities = (1 - self.settings.defensive) * points + self.settings.defensive * self.point_weights
        self.adapted = (probabilities / probabilities.sum(), centre,
                        np.linalg.cholesky((covariance + covariance.T) / 2 + 1e-10 * np.eye(self.dim)))

    def run(self, proposals: int, weigh, rng: np.random.Generator):
        """Adapt for the settings' rounds, then weigh `proposals` from the last proposal; returns
        the final round's log weights, the weighing's outputs and alpha per proposal."""
        for _ in range(self.settings.rounds):
            draw = self.sample(self.settings.pilot, rng)
            log_w = weigh(draw)[0] + draw.log_correction
            self.adapt(draw, log_w)
        draw = self.sample(proposals, rng)
        log_lik, mu, mu_selected, s, hyper, memberships = weigh(draw)
        return log_lik + draw.log_correction, mu, mu_selected, s, hyper, memberships, draw


def _informed_directions(points: tuple, X: np.ndarray, log_population: np.ndarray, elsewhere: np.ndarray,
                         g_scale: float, blocks: list[_Block]) -> np.ndarray:
    """Orthonormal directions, in the whitened coordinates of the heaviest grid point (and g over
    its prior scale), along which the blocks' expected sums move: the gradient of each block's
    expected sum at the mode, and g's own axis. Elsewhere the totals say little, and the
    proposal keeps the posterior given the printed cells."""
    weights, _, modes, chols = points  # MixedFit.points()
    k = int(np.argmax(weights))
    mu = np.exp(X @ modes[k] + log_population)
    rows = []
    for b in blocks:
        cols = b.candidates
        gradient = (mu[cols] @ X[cols]) @ chols[k]
        if g_scale > 0:
            gradient = np.append(gradient, g_scale * mu[cols][elsewhere[cols]].sum())
        rows.append(gradient / max(np.linalg.norm(gradient), 1e-12))
    width = modes.shape[1] + (1 if g_scale > 0 else 0)
    if g_scale > 0:
        rows.append(np.eye(width)[-1])
    if not rows:
        return np.zeros((width, 0))
    _, singular, vt = np.linalg.svd(np.array(rows), full_matrices=False)
    return vt[singular > 1e-6 * singular[0]].T


def _log_t_density(x: np.ndarray, centre: np.ndarray, chol: np.ndarray, df: float) -> np.ndarray:
    """Log density of the multivariate t with the given centre, scale (chol chol') and df."""
    p = len(centre)
    solved = linalg.solve_triangular(chol, (x - centre[None, :]).T, lower=True)
    delta = np.sum(solved ** 2, axis=0)
    return (special.gammaln((df + p) / 2) - special.gammaln(df / 2) - 0.5 * p * np.log(df * np.pi)
            - np.sum(np.log(np.diag(chol))) - 0.5 * (df + p) * np.log1p(delta / df))


RATIO_ROW = "ratio: printed in another year / never printed"  # the selection table's row of g


def ratio_basis(cumulative: bool, yearly: bool) -> str:
    """What identifies g: the yearly totals do too, since the mix of never-printed and
    printed-elsewhere cells differs from year to year and the years' factors are pooled."""
    if cumulative:
        return "the cumulative and yearly published totals"
    if yearly:
        return "the yearly published totals (no cumulative total applied)"
    return "its prior only (no published total applied)"


def impute_with_selection(cells: pd.DataFrame, fit: MixedFit, constraints: list[TotalCandidate], draws: int,
                          seed: int, selection: bool = True, prior: SelectionPrior = SelectionPrior(),
                          held_out: np.ndarray | None = None, oversample: int = 8,
                          weigh_cumulative: bool = True,
                          proposal: ProposalSettings = ProposalSettings(),
                          wanted: np.ndarray | None = None, tilt: BoundTilt = BoundTilt()) -> SelectionImputation:
    """Draw every unprinted cell (and every `held_out` printed cell, predicted as printed: no
    selection factor) given the printed cells and the applied `constraints`. The weights are
    computed for `oversample` times as many proposals as `draws`, which are then resampled.
    `wanted` (bool per cell): a validation that reads only these cells' draws; the others, unless
    an applied total covers them, are not drawn (NaN), which leaves the weights unchanged.
    `tilt`: how the upper bounds shape the resampling (BoundTilt; the target is the same).

    diagnostics["kept_effective_sample_size"]: the kept draws as a sample of distinct proposals,
    the smaller of (i) the ESS (sum w)^2 / sum w^2 of the kept draws' weights 1/a summed per
    distinct proposal, the draws left after resampling, the totals' infeasible splits and the
    bounds, before they are resampled into the final draws, and (ii) the final draws counted per
    proposal (n^2 over the sum of squared repeats; at most `draws`). diagnostics["bound_tilt"]:
    a of each final draw's proposal (1 without a bound that binds)."""
    rng = np.random.default_rng(seed)
    cells = cells.reset_index(drop=True).copy()
    held_out = np.zeros(len(cells), dtype=bool) if held_out is None else np.asarray(held_out, dtype=bool)
    observed = cells["observed"].to_numpy() & ~held_out
    unprinted = np.flatnonzero(~observed)
    n = len(unprinted)
    years = cells["year"].to_numpy(int)
    printed_years = years[observed]
    log: dict[str, str] = {}
    applied = [c for c in constraints if c.applied and not c.is_bound]
    arrays = _CellArrays.of(cells, unprinted, held_out)
    cumulative = _cumulative_blocks(arrays, applied, log)
    yearly = _year_blocks(arrays, applied, log)
    bounds = _bound_blocks(arrays, [c for c in constraints if c.applied and c.is_bound], log)
    in_bounds = np.unique(np.concatenate([b.candidates for b in bounds] + [np.zeros(0, dtype=int)]))

    constrained_years = sorted({b.year for b in yearly})
    within = (years[unprinted] >= printed_years.min()) & (years[unprinted] <= printed_years.max())
    estimable = within | np.isin(years[unprinted], constrained_years)

    X = fit.design(cells["force"].to_numpy()[unprinted], years[unprinted])
    log_population = cells["log_population"].to_numpy(float)[unprinted]
    selected = ~held_out[unprinted]  # cells that get the selection factor (held-out printed cells do not)
    year_of = {y: i for i, y in enumerate(fit.years)}
    col_year = np.array([year_of[y] for y in years[unprinted]])
    forces_of = cells["force"].to_numpy()[unprinted]
    elsewhere = selected & np.array([fit.printed_per_force.get(f, 0) > 0 for f in forces_of], dtype=bool)
    g_scale = prior.elsewhere_scale if selection and prior.elsewhere_scale > 0 else 0.0

    # the weights read only the cells of the applied totals: the means of the others are computed
    # for the resampled proposals alone
    in_blocks = np.unique(np.concatenate([b.candidates for b in cumulative + yearly] + [np.zeros(0, dtype=int)]))

    def means(theta: np.ndarray, g: np.ndarray, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The means of the unprinted cells `columns` (proposals x columns) before the selection
        factor, and with exp(g) on the cells of forces printed in another year (exp(0) = 1 on the
        others)."""
        mu = np.exp(theta @ X[columns].T + log_population[None, columns])
        mu_selected = mu.copy()  # before exp(s_t)
        shifted = elsewhere[columns]
        if shifted.any():
            mu_selected[:, shifted] = mu[:, shifted] * np.exp(g)[:, None]
        return mu, mu_selected

    def count_means(theta: np.ndarray, g: np.ndarray, s_rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
        """The NB means of the unprinted cells `columns` (rows x columns): exp(g) and the year's selection
        factor exp(s_t) on the selected cells, the model's mean on the held-out printed ones."""
        mu, mu_selected = means(theta, g, columns)
        return _unselected_means(mu_selected * np.exp(s_rows)[:, col_year[columns]], mu, selected[columns])

    # the weights read the means of the blocks' cells only: the blocks again, indexing those columns
    in_column = np.full(n, -1)
    in_column[in_blocks] = np.arange(len(in_blocks))
    yearly_in = [replace(b, candidates=in_column[b.candidates]) for b in yearly]
    cumulative_in = [replace(b, candidates=in_column[b.candidates]) for b in cumulative]

    def weigh(proposal_draw: _ProposalDraw):
        """The totals' log likelihood of each proposal, with s, m and tau drawn given it."""
        theta, alpha, g = proposal_draw.theta, proposal_draw.alpha, proposal_draw.g
        n_prop = len(alpha)
        mu, mu_selected = means(theta, g, in_blocks)
        memberships = [_membership(b, n_prop, rng) for b in yearly]
        log_w = np.zeros(n_prop)
        s = np.zeros((n_prop, len(fit.years)))
        hyper = {"m": np.zeros(n_prop), "tau": np.zeros(n_prop), "g": g}
        if selection and yearly:
            log_w, s, hyper["m"], hyper["tau"] = _selection_weights(
                yearly_in, memberships, mu, mu_selected, alpha, selected[in_blocks], constrained_years, year_of,
                prior, rng, proposal_draw.u)
            if weigh_cumulative:
                log_w += _cumulative_log_likelihood(cumulative_in, yearly_in, memberships, mu, mu_selected, s,
                                                    col_year[in_blocks], selected[in_blocks], alpha,
                                                    np.arange(len(in_blocks)))
        elif yearly:  # no selection factor: weight by the totals' likelihood given the coefficients alone
            for b, member in zip(yearly_in, memberships):
                cols = b.candidates
                m = (mu[:, cols] * member).sum(axis=1)
                q = ((mu[:, cols] ** 2) * member).sum(axis=1)
                log_w += _log_normal_pdf(b.remainder, m, m + alpha * q + 0.25)
        # a proposal so far out that its means overflow has no weight the target could notice
        log_w = np.where(np.isfinite(log_w), log_w, -np.inf)
        return log_w, mu, mu_selected, s, hyper, memberships

    proposals = draws * oversample if yearly else draws
    # the selection factors' normals u stay with their conditional distribution (adapting them
    # too, on the real data, spreads the pilot over more directions than it can resolve)
    factors = len(fit.years) if selection and yearly else 0
    points = fit.points()
    basis = _informed_directions(points, X, log_population, elsewhere, g_scale, yearly + cumulative
                                 if proposal.yearly_directions else cumulative)
    basis = np.vstack([basis, np.zeros((factors, basis.shape[1]))])
    sampler = _AdaptiveProposal(points, g_scale, adapt=proposal if yearly else ProposalSettings(rounds=0), basis=basis,
                                factors=factors)
    result = sampler.run(proposals, weigh, rng)
    log_w, _, _, s, hyper, memberships, final_draw = result
    alpha = final_draw.alpha
    weights = np.exp(log_w - log_w.max())
    weights /= weights.sum()
    ess = float(1.0 / np.sum(weights ** 2))
    final = len(log_w)
    lower = cells["lower"].to_numpy(float)[unprinted]
    upper = cells["upper"].to_numpy(float)[unprinted]
    # the upper bounds' responders, drawn once per proposal from a stream of their own; each
    # proposal's approximate chance of staying within every bound (Phi-hat) tilts the resampling,
    # and each kept draw carries 1/a (BoundTilt)
    bound_stream = np.random.default_rng([seed, BOUND_STREAM, 0])
    bound_members = [_membership(b, final, bound_stream) for b in bounds]
    within = np.ones(final)
    if bounds and tilt.defensive < 1:
        near = np.unique(np.concatenate([in_bounds] + [c.candidates for c in cumulative + yearly
                                                       if np.isin(c.candidates, in_bounds).any()]))
        column = np.full(n, -1)
        column[near] = np.arange(len(near))
        mean = count_means(final_draw.theta, hyper["g"], s, near)
        var = mean + alpha[:, None] * mean ** 2
        suppressed = ~np.isnan(lower[near])  # drawn within their bounds
        if suppressed.any():
            lo, hi = lower[near][suppressed], upper[near][suppressed]
            mean[:, suppressed] = np.clip(mean[:, suppressed], lo, hi)
            var[:, suppressed] = np.minimum(var[:, suppressed], ((hi - lo + 1) ** 2 - 1) / 12)
        within = np.exp(_bound_log_within(bounds, bound_members, cumulative + yearly,
                                          [np.ones((final, len(c.candidates)), dtype=bool) for c in cumulative]
                                          + memberships, column, mean, var))
    # a proposal whose means overflow has no weight: its Phi-hat (NaN) is taken as 1; and a Phi-hat within
    # NEAR_CERTAIN of 1 is 1, so that a bound every proposal almost surely meets leaves the draws as they were
    within = np.where(np.isfinite(within) & (within < 1.0 - NEAR_CERTAIN), within, 1.0)
    tilt_weight = 1.0 - (1.0 - tilt.defensive) * (1.0 - within ** tilt.power)  # a: 1 exactly where Phi-hat is 1
    tilted = weights if (tilt_weight == 1.0).all() else weights * tilt_weight / np.sum(weights * tilt_weight)
    # resample the proposals by their tilted weights; a few more than needed, since some will turn
    # out infeasible when the counts are split (or break an upper bound: then more batches follow)
    keep = _systematic_resample(tilted, rng) if final == draws else \
        np.sort(rng.choice(final, size=draws * 5 // 4, p=tilted))
    drawn = np.arange(n) if wanted is None else np.union1d(
        np.union1d(np.flatnonzero(np.asarray(wanted)[unprinted]), in_blocks), in_bounds)
    bounded = ~np.isnan(lower)
    if wanted is not None:
        bounded &= np.isin(np.arange(n), drawn)

    def draw_counts(keep: np.ndarray, memberships: list[np.ndarray], rng: np.random.Generator,
                    bound_members: list[np.ndarray]) -> dict:
        """Counts of the resampled proposals `keep`, split to meet every applied total; which draws
        cannot meet them all (infeasible), and which break an upper bound (the bounds' responders
        `bound_members` drawn from a stream of their own, so that a bound that tilts no proposal and
        that no draw breaks leaves the draws as they were)."""
        s_k, alpha_k = s[keep], final_draw.alpha[keep]
        hyper_k = {k: v[keep] for k, v in hyper.items()}
        batch = len(keep)
        mean = count_means(final_draw.theta[keep], hyper_k["g"], s_k, drawn)
        if wanted is None:
            shape = 1.0 / alpha_k[:, None]
            rate = rng.gamma(shape, mean / shape)
            counts = rng.poisson(rate).astype(float)
        else:
            shape = 1.0 / alpha_k[:, None]
            rate, counts = np.zeros((batch, n)), np.full((batch, n), np.nan)
            drawn_rate = rng.gamma(shape, mean / shape)
            rate[:, drawn] = drawn_rate
            counts[:, drawn] = rng.poisson(drawn_rate).astype(float)
        if bounded.any():
            counts[:, bounded] = truncated_poisson(rate[:, bounded], lower[bounded], upper[bounded], rng)
        pinned = np.zeros((batch, n), dtype=bool)
        pinned[:, bounded] = True
        infeasible = np.zeros(batch, dtype=bool)
        for b in cumulative:
            cols = b.candidates
            free = ~bounded[cols]
            target = b.remainder - counts[:, cols[~free]].sum(axis=1)
            infeasible |= target < 0
            counts[:, cols[free]] = _split(target, rate[:, cols[free]], rng)
            pinned[:, cols] = True
        for b, member in zip(yearly, memberships):
            cols = b.candidates
            fixed = member & pinned[:, cols]
            free = member & ~pinned[:, cols]
            target = b.remainder - (counts[:, cols] * fixed).sum(axis=1)
            infeasible |= (target < 0) | ((free.sum(axis=1) == 0) & (target != 0))
            split = _split(target, rate[:, cols] * free, rng)
            counts[:, cols] = np.where(free, split, counts[:, cols])
            pinned[:, cols] |= member
        # an upper bound weighs each draw by 1{its cells' sum <= bound}, after the totals are met
        bound_sums = [b.printed + (counts[:, b.candidates] * member).sum(axis=1)
                      for b, member in zip(bounds, bound_members)]
        above = np.zeros(batch, dtype=bool)
        for b, total in zip(bounds, bound_sums):
            above |= total > b.limit
        return {"counts": counts, "pinned": pinned, "s": s_k, "hyper": hyper_k, "infeasible": infeasible,
                "proposal": keep,
                "above": above, "bound_sums": bound_sums}

    batches = [draw_counts(keep, [member[keep] for member in memberships], rng,
                           [member[keep] for member in bound_members])]
    # further batches, from a stream of their own, only when the upper bounds reject too many
    extra = np.random.default_rng([seed, BOUND_STREAM, 1])
    def kept_so_far() -> int:
        return sum(int((~b["infeasible"] & ~b["above"]).sum()) for b in batches)

    while (kept_so_far() < draws
           and any(b["above"].any() for b in batches) and len(batches) < MAX_BOUND_BATCHES):
        # sized by the share kept so far: a quarter more than the draws still missing need
        kept = kept_so_far()
        share = kept / sum(len(b["above"]) for b in batches)
        size = len(keep) if share == 0 else int(min(len(keep), np.ceil(1.25 * (draws - kept) / share)))
        more = np.sort(extra.choice(final, size=size, p=tilted))
        # each proposal keeps the responders it was weighed with, and its bounds' responders
        batches.append(draw_counts(more, [member[more] for member in memberships], extra,
                                   [member[more] for member in bound_members]))
    joined = {k: ((np.concatenate([b[k] for b in batches]) if len(batches) > 1 else batches[0][k])
                  if k not in ("hyper", "bound_sums") else None) for k in batches[0]}
    hyper_all = {k: np.concatenate([b["hyper"][k] for b in batches]) for k in hyper}
    bound_sums = [np.concatenate([b["bound_sums"][i] for b in batches]) for i in range(len(bounds))]
    infeasible, above = joined["infeasible"], joined["above"]
    feasible = np.flatnonzero(~infeasible & ~above)
    if not (~infeasible).any():
        raise ValueError("no draw satisfies every applied total: the totals contradict each other given the model")
    if len(feasible) == 0:
        raise ValueError("no draw that meets every applied total stays within every applied upper bound: "
                         "the bounds contradict the totals given the model")
    # the kept draws, each weighted by 1/a of its proposal, resampled into the final draws (uniformly,
    # as rejection alone does, when every a is equal)
    inverse_tilt = 1.0 / tilt_weight[joined["proposal"]]  # 1/a of every drawn count set's proposal
    kept_weight = inverse_tilt[feasible]
    if (kept_weight == kept_weight[0]).all():
        pick = rng.choice(feasible, size=draws, replace=len(feasible) < draws)
    else:
        pick = rng.permutation(feasible[_systematic_resample(kept_weight / kept_weight.sum(), rng, draws)])
    counts, pinned, s = joined["counts"][pick], joined["pinned"][pick], joined["s"][pick]
    hyper = {k: v[pick] for k, v in hyper_all.items()}
    bound_sums = [total[pick] for total in bound_sums]
    # the share of the count sets meeting the totals that a bound sets aside, as rejection alone would see it:
    # each count set weighted by 1/a of its proposal, undoing the tilt (self-normalised)
    met = ~infeasible
    untilt = inverse_tilt[met]
    tilted_any = bool(above[met].any()) and not (tilt_weight == 1.0).all()
    for i, (b, total) in enumerate(zip(bounds, bound_sums)):  # every kept draw within every applied bound
        if (total > b.limit).any():
            raise AssertionError(f"a kept draw breaks the upper bound {b.record_id}")
        drawn_above = np.concatenate([batch["bound_sums"][i] for batch in batches])[met] > b.limit
        share_above = float(np.sum(untilt * drawn_above) / np.sum(untilt))
        log[b.record_id] = (f"applied as an upper bound: {_bound_cells(b)} sum to at most {b.limit:,.0f} in every "
                            f"draw (median {np.median(total):,.0f}); {share_above:.1%} of the count sets that "
                            "meet the totals are above it, and set aside"
                            + (" (counted as if drawn from the untilted proposals: the proposals were resampled "
                               "towards those likely to stay within the bounds, and each count set is weighted "
                               "back)" if tilted_any else ""))
    rejected_share = float(np.sum(untilt * above[met]) / np.sum(untilt)) if bounds else 0.0
    counts[:, ~estimable] = np.nan

    # per-cell description
    touched = [[] for _ in range(n)]
    for b in cumulative + yearly + bounds:
        for col in b.candidates:
            touched[col].append(b.record_id)
    method = np.array(["observed"] * len(cells), dtype=object)
    never = np.array([fit.printed_per_force.get(f, 0) == 0 for f in forces_of], dtype=bool)
    no_figure = (cells["status"] == "not_provided").to_numpy()[unprinted]
    for j, i in enumerate(unprinted):
        if not estimable[j]:
            method[i] = "not_estimable"
            continue
        label = "mixed_nb_selection" if selection else "mixed_nb"
        if never[j]:
            label += "; force never printed: effect drawn from the spread of forces"
        if no_figure[j]:
            label += "; force gave no figure"
        if bounded[j]:
            label += "; within the suppressed bounds"
        method[i] = label
    cells["method"] = method
    constraints_of = np.full(len(cells), "", dtype=object)
    constraints_of[unprinted] = [";".join(t) for t in touched]
    cells["constraints"] = constraints_of
    pinned_share = np.full(len(cells), np.nan)
    pinned_share[unprinted] = pinned.mean(axis=0)
    cells["pinned_share"] = pinned_share
    selection_rows = []
    bound_years = {y for b in bounds for y in years[unprinted[b.candidates]]}
    groups = [("never printed", np.zeros(draws)), ("printed in another year", hyper["g"])]
    if not (selection and prior.elsewhere_scale > 0):
        groups = [("all", np.zeros(draws))]
    # each group's multipliers exp(s_t + shift), every year at once
    intervals = {forces: central_interval(np.exp(s + shift[:, None]), axis=0) for forces, shift in groups} \
        if selection else {}
    for year, i in year_of.items():
        for forces, shift in groups:
            lo, med, hi = (bound[i] for bound in intervals[forces]) if selection else (1.0, 1.0, 1.0)
            group = elsewhere if forces == "printed in another year" else (
                selected & ~elsewhere if forces == "never printed" else selected)
            selection_rows.append({"fiscal_year": format_fiscal_year(year), "forces": forces,
                                   "unprinted_cells": int((group & (years[unprinted] == year)).sum()),
                                   "constrained": year in constrained_years, "multiplier": med, "lower_90": lo,
                                   "upper_90": hi,
                                   "basis": ("the year's published totals" if year in constrained_years else
                                             "pooled across years (no applied total that year), held under the "
                                             "year's published upper bound" if year in bound_years else
                                             "pooled across years (no applied total that year)") if selection else
                                   "no selection factor"})
    if len(groups) == 2:  # the ratio of the two, one for every year
        lo, med, hi = central_interval(np.exp(hyper["g"]))
        selection_rows.append({"fiscal_year": "every year", "forces": RATIO_ROW,
                               "unprinted_cells": int(selected.sum()),
                               "constrained": bool(cumulative or yearly), "multiplier": med, "lower_90": lo,
                               "upper_90": hi, "basis": ratio_basis(bool(cumulative), bool(yearly))})
    never_printed = selected & ~elsewhere
    in_totals = np.zeros(n, dtype=bool)
    for b in cumulative + yearly:
        in_totals[b.candidates] = True
    # the kept draws as a sample of distinct proposals: the ESS of the kept draws' weights 1/a summed per
    # distinct proposal (resampling, the totals' infeasible splits and the upper bounds' rejections all repeat
    # or drop some), and of the final draws counted per proposal (at most `draws`); the smaller of the two
    from_proposal = np.bincount(joined["proposal"][pick])
    kept_by_proposal = np.bincount(joined["proposal"][feasible], weights=kept_weight)
    kept_ess = float(min(_effective_size(from_proposal), _effective_size(kept_by_proposal)))
    diagnostics = {"draws": draws, "proposals": proposals, "effective_sample_size": ess,
                   "kept_effective_sample_size": kept_ess, "kept_distinct_proposals": int((from_proposal > 0).sum()),
                   "pilot_proposals": sampler.settings.rounds * sampler.settings.pilot,
                   "never_printed_cells_in_totals": int((never_printed & in_totals).sum()),
                   "infeasible_share": float(infeasible.mean()),
                   "bound_rejected_share": rejected_share,
                   "bound_tilted_rejected_share": float(above[~infeasible].mean()) if bounds else 0.0,
                   "bound_phi_hat": within,
                   "bound_batches": len(batches),
                   "bound_tilt": tilt_weight[joined["proposal"][pick]],
                   "bound_sums": {b.record_id: total for b, total in zip(bounds, bound_sums)},
                   "m_median": float(np.median(hyper["m"])), "tau_median": float(np.median(hyper["tau"])),
                   "g_median": float(np.median(hyper["g"])),
                   "log": log}
    return SelectionImputation(cells, unprinted, counts, pinned, pd.DataFrame(selection_rows), diagnostics,
                               cumulative + yearly)
