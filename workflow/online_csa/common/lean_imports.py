"""Import a library without the optional extras it would load at start-up.

Some libraries import, when they load, optional packages they only need for features this
project never uses (jsonschema's format checks, seaborn's density plots and cluster maps), and
carry on without them when they cannot be imported. Those imports are a large share of every
job process's start-up, so they are hidden while the library loads, and only then: code
imported afterwards can still use them. tests/test_start_up_costs.py checks both halves.
"""
from __future__ import annotations

import importlib
import sys
from types import ModuleType


def import_without(module: str, optional: tuple[str, ...]) -> ModuleType:
    """`module`, imported while the `optional` modules it would load cannot be imported (each
    one that nothing has loaded yet)."""
    if module in sys.modules:
        return sys.modules[module]
    hidden = [name for name in optional if name not in sys.modules]
    sys.modules.update(dict.fromkeys(hidden))  # a None entry makes `import name` fail at once
    try:
        return importlib.import_module(module)
    finally:
        for name in hidden:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
