"""The files the rules write, as a rule that packages them (the run's RO-Crate) lists its inputs."""
from __future__ import annotations

from snakemake.io import expand, strip_wildcard_constraints


def rule_outputs(rules, suffixes: tuple[str, ...], wildcard_values: dict[str, list[str]],
                 storage_prefix: str | None = None) -> list[str]:
    """The outputs of `rules` whose names end in `suffixes`, a path with wildcards expanded over
    every combination of `wildcard_values` (a rule's scenarios, say). Under a default storage
    provider (`--default-storage-prefix`) a rule's outputs are already storage objects; the path is
    given back relative again, so that the packaging rule's own inputs are not prefixed twice."""
    paths = []
    for rule in rules:
        for pattern in rule.output:
            path = str(pattern)
            if getattr(pattern, "is_storage", False) and storage_prefix:
                path = pattern.storage_object.query.removeprefix(storage_prefix.rstrip("/") + "/")
            path = strip_wildcard_constraints(path)
            if path.endswith(suffixes):
                paths += expand(path, **{name: wildcard_values[name] for name in rule.wildcard_names})
    return sorted(set(paths))
