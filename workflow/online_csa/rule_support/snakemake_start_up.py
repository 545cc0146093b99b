"""Less work for Snakemake at each start, with the same decisions.

Snakemake decides whether a job's params changed by serialising them, and to recognise a pandas
object among them it imports pandas (about 0.6 s here) at every start, dry runs included, though
no param of this workflow is one. An object of a pandas class can exist only once pandas has been
imported, so while it has not, every param is serialised as Snakemake serialises one that is not
a pandas object: the same string, without the import.
"""
from __future__ import annotations

import sys


def serialise_params_without_importing_pandas() -> bool:
    """Patch Snakemake's params serialiser (snakemake.persistence.PersistenceBase) to import pandas only when a
    pandas object could be among the params, that is when pandas is already imported. Returns whether the patch
    is in place (a Snakemake without that method is left as it is)."""
    from snakemake import persistence

    Persistence = getattr(persistence, "PersistenceBase", None)
    original = getattr(Persistence, "_serialize_param_pandas", None)
    if original is None or not hasattr(Persistence, "_serialize_param_builtin"):
        return False
    if getattr(original, "skips_pandas_import", False):
        return True

    def serialise(self, value):
        if "pandas" not in sys.modules:
            return self._serialize_param_builtin(value)
        return original(self, value)

    serialise.skips_pandas_import = True
    Persistence._serialize_param_pandas = serialise
    return True
