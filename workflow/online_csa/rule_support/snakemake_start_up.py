"""Less work for Snakemake at each start, with the same decisions.

Snakemake decides whether a job's params changed by serialising them, and to recognise a pandas
object among them it imports pandas (about 0.6 s here) at every start, dry runs included, though
no param of this workflow is one. An object of a pandas class can exist only once pandas has been
imported, so while it has not, every param is serialised as Snakemake serialises one that is not
a pandas object: the same string, without the import.

To tell a script's language Snakemake imports nbformat (and with it jsonschema and its format
checkers: about 0.1 s here) for every script job it looks at, dry runs included, and uses it only
for a `.ipynb` file, which no rule of this workflow runs. `import_nbformat_lazily` puts a stand-in
in its place that imports the real nbformat the first time anything reads one of its attributes,
so an `import nbformat` that uses nothing costs nothing and one that uses it works as before.
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
import types


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


class _ImportedOnFirstUse(types.ModuleType):
    """A stand-in for a module not imported yet: the first attribute read that it lacks imports the real module
    (which then replaces it in sys.modules) and copies the real module's names into it, so that whoever holds the
    stand-in holds the module's functions and values from then on."""

    def __getattr__(self, name):
        sys.modules.pop(self.__name__, None)
        real = importlib.import_module(self.__name__)
        self.__dict__.update(real.__dict__)
        return getattr(real, name)


def import_nbformat_lazily() -> bool:
    """Put a stand-in for nbformat in sys.modules (`_ImportedOnFirstUse`); whether it is there (False: nbformat is
    imported already, or not installed)."""
    if "nbformat" in sys.modules:
        return False
    spec = importlib.util.find_spec("nbformat")
    if spec is None:
        return False
    stand_in = _ImportedOnFirstUse("nbformat")
    stand_in.__spec__ = spec  # a set spec that is not `_initializing`: `import nbformat` takes the stand-in as it is
    sys.modules["nbformat"] = stand_in
    return True
