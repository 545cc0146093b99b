"""The files the rules write, as a rule that packages them (the run's RO-Crate) lists its inputs."""
from __future__ import annotations

from snakemake.io import expand, strip_wildcard_constraints


def rule_outputs(rules, suffixes: tuple[str, ...], wildcard_values: dict[str, list[str]]) -> list[str]:
    """The outputs of `rules` whose names end in `suffixes`, a path with wildcards expanded over
    every combination of `wildcard_values` (a rule's scenarios, say)."""
    paths = []
    for rule in rules:
        for pattern in rule.output:
            path = strip_wildcard_constraints(str(pattern))
            if path.endswith(suffixes):
                paths += expand(path, **{name: wildcard_values[name] for name in rule.wildcard_names})
    return sorted(set(paths))
