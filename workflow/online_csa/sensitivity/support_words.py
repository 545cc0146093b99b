"""The words a share of draws is given: one definition, read from `sensitivity.claim_support_words`,
for every stage that turns "the claim holds in x% of the draws" into a word (the findings page,
the sensitivity chapter and the assumptions explorer).

A claim *holds* when it holds in at least `holds` of the draws, *fails* when it holds in at most
`fails` of them, and is *uncertain* otherwise: the draws leave it open. These cut-offs are a
convention for words, not the bounds of an interval, so they have their own configuration key.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

HOLDS, FAILS, UNCERTAIN = "holds", "fails", "uncertain"


@dataclass(frozen=True)
class SupportWords:
    holds: float  # share of draws at or above which the claim holds
    fails: float  # share of draws at or below which it fails

    def __post_init__(self):
        if not 0 <= self.fails < self.holds <= 1:
            raise ValueError(f"sensitivity.claim_support_words: fails ({self.fails:g}) must be below holds "
                             f"({self.holds:g}), both between 0 and 1")

    @classmethod
    def from_config(cls, words: dict) -> "SupportWords":
        return cls(holds=float(words["holds"]), fails=float(words["fails"]))

    def word(self, share) -> str:
        """HOLDS, FAILS or UNCERTAIN for a share of draws; empty when there is no share."""
        if share is None or (isinstance(share, float) and math.isnan(share)):
            return ""
        if share >= self.holds:
            return HOLDS
        return FAILS if share <= self.fails else UNCERTAIN

    def definition(self) -> str:
        """The rule in one sentence, for the report."""
        return (f"a claim *{HOLDS}* when it holds in at least {self.holds:.0%} of the draws, *{FAILS}* when in at "
                f"most {self.fails:.0%}, and is *{UNCERTAIN}* otherwise")
