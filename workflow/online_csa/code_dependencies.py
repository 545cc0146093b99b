"""Which modules of this package a rule's script or notebook imports, directly or through
other modules. Snakemake tracks only a rule's own script for code changes; listing these
files as inputs makes a change to the package rerun exactly the rules that use it."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "online_csa"


def _imported_modules(source: str) -> set[str]:
    """Module names of this package imported by one file (absolute or relative imports)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith(PACKAGE + ".")}
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module == PACKAGE:  # from online_csa import ledger
                found |= {a.name for a in node.names}
            elif node.level == 0 and node.module and node.module.startswith(PACKAGE + "."):
                found.add(node.module.split(".")[1])
            elif node.level == 1 and node.module:  # from .claims import ... (inside the package)
                found.add(node.module.split(".")[0])
    return found


def package_files(entry: str | Path, package_dir: str | Path) -> list[str]:
    """Sorted package files an entry file (rule script, or a notebook's paired .py) needs."""
    package_dir = Path(package_dir)
    files = {package_dir / "__init__.py"}
    todo = [Path(entry)]
    while todo:
        for module in _imported_modules(todo.pop().read_text()):
            path = package_dir / f"{module}.py"
            if path.exists() and path not in files:
                files.add(path)
                todo.append(path)
    return sorted(str(p) for p in files)
