"""Which files of this package a rule's script or notebook imports, directly or through other
modules. Snakemake tracks only a rule's own script for code changes; listing these files as
inputs makes a change to the package rerun exactly the rules that use it.

The package has subpackages (one per stage), so an import names a dotted module at any depth:
``import online_csa.models.imputation``, ``from online_csa.models import imputation`` (a
submodule imported by name), ``from online_csa.models.imputation import LOWER`` (a name from a
module), and inside the package relative imports at any level (``from .panel import x``,
``from ..common import fiscal_years``). Importing a module runs the ``__init__.py`` of every
package above it, so those count too, with whatever they import (re-exports).
"""
from __future__ import annotations

import ast
import functools
import os
import re
from pathlib import Path


@functools.lru_cache(maxsize=None)
def _import_nodes_of(path: Path, version: tuple[int, int]) -> tuple[tuple[ast.stmt, bool], ...]:
    """The import statements of one file, each with whether it is made as the file loads (not
    indented), read once per process and version (modified time and size): the rules share most
    modules."""
    return tuple(_import_nodes(path.read_text()))


# An import statement at the start of a line, with its parenthesised or backslash-continued
# tail. Only these snippets are parsed: Snakemake computes every rule's code inputs at each
# start, and parsing whole files would make every start slower.
_IMPORT_STATEMENT = re.compile(r"^[ \t]*(?:from[ \t]+[\w.]+[ \t]+)?import[ \t]+(?:\([^)]*\)|(?:[^\n\\]|\\[\s\S])*)",
                               re.MULTILINE)


def _import_nodes(source: str) -> list[tuple[ast.stmt, bool]]:
    nodes = []
    for statement in _IMPORT_STATEMENT.findall(source):
        try:
            parsed = ast.parse(statement.strip()).body
        except SyntaxError:  # "import" at the start of a line inside a string
            continue
        at_load = statement[:1] not in (" ", "\t")  # an indented one runs with its function or block, if it does
        nodes.extend((node, at_load) for node in parsed)
    return nodes


def imported_at_load(path: str | Path) -> set[str]:
    """Dotted names of the modules a file imports as it is loaded: those of its unindented import statements
    (`import a.b` gives a.b; `from a import b` gives a and a.b, for b may be a module). An import inside a
    function is left out: it is made only when the function runs."""
    path = Path(path)
    stat = path.stat()
    names = set()
    for node, at_load in _import_nodes_of(path, (stat.st_mtime_ns, stat.st_size)):
        if not at_load:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*")
    return names


def modules_imported_at_load(files_of_jobs, modules: list[str]) -> list[str]:
    """Those of `modules` (dotted names) that some job imports as it loads, in their order (`files_of_jobs`: for
    each job, the files its Python loads: its script and the package modules that imports, say). A module a job
    imports only inside a function is left out: that job imports it itself if it runs that function."""
    names = {name for files in files_of_jobs for path in files for name in imported_at_load(path)}
    return [module for module in modules if any(name == module or name.startswith(f"{module}.") for name in names)]


class _Package:
    """The package on disk: dotted module names to files and back."""

    def __init__(self, package_dir: Path):
        self.dir = package_dir
        self.name = package_dir.name
        self._files = self._module_files()

    def _module_files(self) -> dict[str, Path]:
        """Every module of the package by dotted name, from one walk of its folder: Snakemake asks for every
        rule's code inputs at each start, and one stat per candidate name cost more than the walk."""
        packages, modules = {}, {}
        for folder, subfolders, names in os.walk(self.dir):
            subfolders[:] = [name for name in subfolders if name != "__pycache__"]
            inside = Path(folder).relative_to(self.dir).parts
            for name in names:
                if name.endswith(".py"):
                    if name == "__init__.py":
                        packages[".".join((self.name, *inside))] = Path(folder, name)
                    else:
                        modules[".".join((self.name, *inside, name[:-3]))] = Path(folder, name)
        return {**packages, **modules}  # x.py beside a package x/ is taken for x

    def file_of(self, module: str) -> Path | None:
        """online_csa.models.imputation -> .../models/imputation.py (or .../__init__.py of a package)."""
        return self._files.get(module)

    def module_of(self, path: Path) -> tuple[str, bool] | None:
        """A file's dotted name and whether it is a package's __init__, or None outside the package."""
        try:
            relative = path.resolve().relative_to(self.dir.resolve())
        except ValueError:
            return None
        parts = [self.name, *relative.with_suffix("").parts]
        is_init = parts[-1] == "__init__"
        return ".".join(parts[:-1] if is_init else parts), is_init

    def imported_modules(self, node: ast.stmt, importer: Path) -> set[str]:
        """Dotted names of this package's modules one import statement loads (parents excluded)."""
        if isinstance(node, ast.Import):
            return {a.name for a in node.names if a.name.split(".")[0] == self.name}
        if not isinstance(node, ast.ImportFrom):
            return set()
        if node.level == 0:
            base = node.module or ""
        else:  # relative: resolve against the importing module's package
            own = self.module_of(importer)
            if own is None:
                return set()
            name, is_init = own
            package = name.split(".") if is_init else name.split(".")[:-1]
            keep = len(package) - (node.level - 1)
            if keep < 1:
                return set()
            base = ".".join(package[:keep] + ([node.module] if node.module else []))
        if base.split(".")[0] != self.name:
            return set()
        found = {base}
        for alias in node.names:  # `from pkg import submodule` loads the submodule
            if alias.name != "*" and self.file_of(f"{base}.{alias.name}") is not None:
                found.add(f"{base}.{alias.name}")
        return found


def _with_parents(module: str) -> list[str]:
    """online_csa.models.imputation -> [online_csa, online_csa.models, online_csa.models.imputation]."""
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


@functools.lru_cache(maxsize=None)
def _package(package_dir: Path) -> _Package:
    """One walk of a package's folder per process: Snakemake asks for some forty rules' code inputs at
    each start, all from the same package."""
    return _Package(package_dir)


# Modules that decide how a job is started, never what it computes: a change to one reruns no job.
NOT_CODE_DEPENDENCIES = {"online_csa.rule_support.job_server"}


def package_files(entry: str | Path, package_dir: str | Path) -> list[str]:
    """Sorted package files an entry file (rule script, or a notebook's paired .py) needs (but those of
    NOT_CODE_DEPENDENCIES)."""
    package = _package(Path(package_dir))
    files = {package.dir / "__init__.py"}
    todo = [Path(entry)]
    while todo:
        path = todo.pop()
        stat = path.stat()
        for node, _ in _import_nodes_of(path, (stat.st_mtime_ns, stat.st_size)):
            for module in package.imported_modules(node, path):
                for name in _with_parents(module):
                    if name in NOT_CODE_DEPENDENCIES:
                        continue
                    imported = package.file_of(name)
                    if imported is not None and imported not in files:
                        files.add(imported)
                        todo.append(imported)
    return sorted(str(p) for p in files)
