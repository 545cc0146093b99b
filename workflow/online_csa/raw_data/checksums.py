"""The raw layer: vendored ledger files and their registry of checksums.

Raw files are never edited. ``data/sources.csv`` records a sha256 for each; the
pipeline's first step recomputes them and stops, naming the file, if one differs.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

REGISTRY_COLUMNS = ["file", "sha256", "publisher", "covers", "obtained", "records", "vintage"]


class ChecksumMismatch(RuntimeError):
    """A vendored raw file is not the file the registry describes."""


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def read_registry(path: str | Path) -> pd.DataFrame:
    registry = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in REGISTRY_COLUMNS if c not in registry.columns]
    if missing:
        raise ValueError(f"{path}: registry lacks column(s) {missing}")
    duplicated = registry.loc[registry["file"].duplicated(), "file"].tolist()
    if duplicated:
        raise ValueError(f"{path}: file(s) listed twice: {duplicated}")
    return registry


def verify_checksums(registry: pd.DataFrame, root: str | Path = ".") -> pd.DataFrame:
    """Recompute every registered file's sha256.

    Returns one row per file (file, sha256_expected, sha256_actual, bytes). Raises
    ChecksumMismatch naming every file that is missing or differs, so a reviewer sees
    all problems at once rather than the first.
    """
    root = Path(root)
    rows, problems = [], []
    for entry in registry.itertuples(index=False):
        path = root / entry.file
        if not path.exists():
            problems.append(f"{entry.file}: listed in the registry but not found")
            continue
        actual = sha256_of(path)
        if actual != entry.sha256:
            problems.append(
                f"{entry.file}: sha256 is {actual}, registry says {entry.sha256}. "
                "Raw files must not be edited; restore the file or register a new vintage."
            )
        rows.append({"file": entry.file, "sha256_expected": entry.sha256,
                     "sha256_actual": actual, "bytes": path.stat().st_size})
    if problems:
        raise ChecksumMismatch("raw data failed verification:\n  " + "\n  ".join(problems))
    return pd.DataFrame(rows, columns=["file", "sha256_expected", "sha256_actual", "bytes"])
