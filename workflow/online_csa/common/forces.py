"""Canonical police-force names.

The ledger writes some forces in more than one way ("PSNI" and "Police Service of
Northern Ireland", "Devon & Cornwall" and "Devon and Cornwall"). Every spelling is
matched against ``police_forces.csv`` (its ``force`` and ``short_name`` columns) after
folding case, '&' and punctuation. A name that matches nothing is an unknown force:
the caller quarantines the row; it is never guessed.
"""
from __future__ import annotations

import re

import pandas as pd


def fold_name(name: str) -> str:
    text = str(name).lower().replace("&", " and ")
    text = re.sub(r"\b(police|constabulary|service)\b", " ", text)
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


class ForceRegister:
    """Look-ups over police_forces.csv."""

    def __init__(self, forces: pd.DataFrame):
        self.table = forces.reset_index(drop=True)
        self._by_folded: dict[str, str] = {}
        for row in self.table.itertuples(index=False):
            for spelling in (row.force, row.short_name):
                key = fold_name(spelling)
                known = self._by_folded.get(key)
                if known is not None and known != row.force:
                    raise ValueError(f"police_forces.csv: {spelling!r} names both {known!r} and {row.force!r}")
                self._by_folded[key] = row.force

    def canonical(self, name: str) -> str | None:
        """The canonical force name, or None if the spelling is unknown."""
        if name is None or (isinstance(name, float) and pd.isna(name)):
            return None
        return self._by_folded.get(fold_name(name))

    @property
    def names(self) -> list[str]:
        return self.table["force"].tolist()

    def ons_code(self, force: str) -> str:
        return self.table.set_index("force").at[force, "ons_code"]

    def select(self, nations=(), regions=(), forces=(), exclude=()) -> list[str]:
        """Forces in any of the given nations or regions, plus named forces, minus exclusions."""
        table = self.table
        chosen = set(table.loc[table["nation"].isin(nations), "force"])
        folded_regions = {fold_name(r) for r in regions}
        chosen |= {f for f, r in zip(table["force"], table["region"]) if fold_name(r) in folded_regions}
        for name in forces:
            canonical = self.canonical(name)
            if canonical is None:
                raise ValueError(f"unknown force {name!r} in a geography definition")
            chosen.add(canonical)
        for name in exclude:
            chosen.discard(self.canonical(name))
        return [f for f in self.names if f in chosen]
