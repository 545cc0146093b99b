"""Which modules of this package a rule's script or notebook imports, directly or through
other modules. Snakemake tracks only a rule's own script for code changes; listing these
files as inputs makes a change to the package rerun exactly the rules that use it."""
from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

PACKAGE = "online_csa"


@functools.lru_cache(maxsize=None)
def _imported_modules_of(path: Path, version: tuple[int, int]) -> frozenset[str]:
    """`_imported_modules` of one file, read once per process and version (modified time and
    size): the rules share most modules."""
    return frozenset(_imported_modules(path.read_text()))


# An import statement at the start of a line, with its parenthesised or backslash-continued
# tail. Only these snippets are parsed: parsing and walking whole files for every rule at every
# Snakemake start cost a fifth of a second.
_IMPORT_STATEMENT = re.compile(r"^[ \t]*(?:from[ \t]+[\w.]+[ \t]+)?import[ \t]+(?:\([^)]*\)|(?:[^\n\\]|\\[\s\S])*)",
                               re.MULTILINE)


def _imported_modules(source: str) -> set[str]:
    """Module names of this package imported by one file (absolute or relative imports)."""
    found = set()
    for statement in _IMPORT_STATEMENT.findall(source):
        try:
            nodes = ast.parse(statement.strip()).body
        except SyntaxError:  # "import" at the start of a line inside a string
            continue
        for node in nodes:
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
        path = todo.pop()
        stat = path.stat()
        for module in _imported_modules_of(path, (stat.st_mtime_ns, stat.st_size)):
            imported = package_dir / f"{module}.py"
            if imported.exists() and imported not in files:
                files.add(imported)
                todo.append(imported)
    return sorted(str(p) for p in files)
