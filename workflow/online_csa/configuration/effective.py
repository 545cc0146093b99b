"""The configuration a run was built with, and what to do when the one asked for differs.

Snakemake reruns a job whose params changed by comparing them with its own records in
`.snakemake/metadata/`. A `results/` folder that travels without `.snakemake/` (an archive, a
shared folder) has no records, so a changed configuration would find every output present and
rerun nothing: the old numbers under a new configuration. The run therefore writes its
*effective* configuration (merged, validated, every scenario resolved) to
`results/run/effective_config.yaml` and `effective_scenarios.yaml`, and every Snakemake start
compares them with the configuration asked for. When they differ and Snakemake holds no record
of the stored file, the run stops, naming the keys, before any job: it cannot tell which outputs
are stale.
"""
from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import yaml

from online_csa.configuration.validation import ConfigError, read_yaml

EFFECTIVE_CONFIG = "results/run/effective_config.yaml"
EFFECTIVE_SCENARIOS = "results/run/effective_scenarios.yaml"
ABSENT = "(absent)"
MAX_LISTED = 25


def scenario_definitions(scenarios: dict) -> dict:
    """Every scenario as plain data: what it says and the assumptions and Monte Carlo it runs with."""
    return {name: {**s.summary(), "assumptions": s.assumptions, "monte_carlo": s.monte_carlo}
            for name, s in scenarios.items()}


def config_hash(config: dict, scenarios: dict) -> str:
    """sha256 of the effective configuration and scenarios (keys sorted, so the order they were
    written in does not matter), the first 16 hex digits."""
    text = json.dumps({"config": config, "scenarios": scenarios}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def to_yaml(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def differences(stored, asked, prefix: str = "") -> list[tuple[str, object, object]]:
    """(key, stored value, asked-for value) for every leaf that differs; a list is one value."""
    if isinstance(stored, dict) and isinstance(asked, dict):
        rows = []
        for key in list(asked) + [k for k in stored if k not in asked]:
            rows += differences(stored.get(key, ABSENT), asked.get(key, ABSENT), f"{prefix}.{key}" if prefix else key)
        return rows
    return [] if stored == asked else [(prefix or "(top level)", stored, asked)]


def grouped_differences(stored: dict, asked: dict) -> list[tuple[str, object, object]]:
    """`differences`, with an assumption compared as one value: its whole distribution."""
    rows, seen = [], set()
    for key, a, b in differences(stored, asked):
        parts = key.split(".")
        if parts[0] == "assumptions" and len(parts) > 2:
            key = ".".join(parts[:2])
            a, b = (c.get("assumptions", {}).get(parts[1], ABSENT) for c in (stored, asked))
        if key not in seen:
            seen.add(key)
            rows.append((key, a, b))
    return rows


def one_line(value) -> str:
    """A configuration value in one line; a distribution without its source and evidence (text)."""
    if isinstance(value, dict) and "dist" in value:
        value = {k: v for k, v in value.items() if k not in ("source", "evidence")}
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _pair(a, b) -> tuple[str, str]:
    shown = one_line(a), one_line(b)
    return shown if shown[0] != shown[1] else (json.dumps(a, default=str), json.dumps(b, default=str))


def describe_differences(config_rows: list, scenario_rows: dict[str, list], first: str, second: str) -> list[str]:
    """One line per differing key, at most MAX_LISTED, then the scenarios the differences reach.
    A scenario's difference that only repeats the configuration's (an assumption it inherits) is
    not listed again."""
    inherited = {key: (a, b) for key, a, b in config_rows}
    lines = [(key, a, b) for key, a, b in config_rows]
    for name, rows in scenario_rows.items():
        lines += [(f"scenarios.{name}.{key}", a, b) for key, a, b in rows if inherited.get(key) != (a, b)]
    text = [f"{key}: {x} ({first}) -> {y} ({second})" for key, a, b in lines[:MAX_LISTED] for x, y in [_pair(a, b)]]
    if len(lines) > MAX_LISTED:
        text.append(f"... and {len(lines) - MAX_LISTED} more")
    if scenario_rows:
        text.append(f"scenarios that would run differently: {', '.join(scenario_rows)}")
    return text


def snakemake_has_record(path: str, workdir: str | Path = ".") -> bool:
    """Whether Snakemake keeps a record (params, code, input) of the job that wrote `path`.

    This is Snakemake's own layout (snakemake/persistence/file.py: the path's url-safe base64
    under .snakemake/metadata/); the pipeline tests rerun a changed configuration with and
    without .snakemake/ and would fail if the layout moved."""
    name = base64.urlsafe_b64encode(path.encode()).decode()
    return (Path(workdir) / ".snakemake" / "metadata" / name).is_file()


def stale_results_error(config: dict, scenarios: dict, workdir: str | Path = ".", forced: bool = False) -> str:
    """The message that stops a run whose results were built with another configuration that
    Snakemake cannot trace (no record of the stored file), or "" when the run may go on."""
    workdir = Path(workdir)
    stored = {}
    for path, asked in ((EFFECTIVE_CONFIG, config), (EFFECTIVE_SCENARIOS, scenarios)):
        if not (workdir / path).is_file():
            return ""  # a fresh results/ (or one older than the record): nothing to compare
        stored[path] = (read_yaml(workdir / path) or {}, asked)
    config_rows = grouped_differences(*stored[EFFECTIVE_CONFIG])
    old_scenarios, new_scenarios = stored[EFFECTIVE_SCENARIOS]
    scenario_rows = {name: grouped_differences(old_scenarios.get(name, {}), new_scenarios.get(name, {}))
                     for name in list(new_scenarios) + [n for n in old_scenarios if n not in new_scenarios]}
    scenario_rows = {name: rows for name, rows in scenario_rows.items() if rows}
    if not (config_rows or scenario_rows) or forced or snakemake_has_record(EFFECTIVE_CONFIG, workdir):
        return ""
    lines = describe_differences(config_rows, scenario_rows, "results", "asked for")
    return ("results/ was built with another configuration, and .snakemake/ holds no record of that run, so "
            "Snakemake cannot tell which outputs are stale and would keep the old numbers:\n  " + "\n  ".join(lines) + "\n"
            "Either rebuild everything with the configuration asked for (add --forceall), or ask for the "
            f"configuration results/ was built with (--configfile {EFFECTIVE_CONFIG}, with the scenario "
            f"files listed in {EFFECTIVE_SCENARIOS}), or bring .snakemake/ along with results/.")


def check_results_match(config: dict, scenarios: dict, workdir: str | Path = ".", forced: bool = False) -> None:
    """Stop (ConfigError) when results/ holds another configuration's outputs that cannot be traced."""
    message = stale_results_error(config, scenarios, workdir, forced)
    if message:
        raise ConfigError(message)


def config_changes(effective: dict, defaults: dict, scenarios: dict) -> list[dict]:
    """Every key whose value differs from config/config.yaml's (both validated), with the
    scenarios the change altered. An assumption is compared as a whole distribution, without its
    source and evidence (text, not numbers); a scenario that sets the key itself is not altered."""
    def numbers_only(config):
        assumptions = {name: ({k: v for k, v in spec.items() if k not in ("source", "evidence")}
                              if isinstance(spec, dict) else spec)
                       for name, spec in config.get("assumptions", {}).items()}
        return {**config, "assumptions": assumptions}

    rows = []
    for key, default, value in grouped_differences(numbers_only(defaults), numbers_only(effective)):
        parts = key.split(".")
        if parts[0] == "assumptions":
            altered = [n for n, s in scenarios.items() if parts[1] not in s.get("overrides", [])]
        elif parts[0] == "monte_carlo":
            altered = [n for n, s in scenarios.items() if f"monte_carlo.{parts[1]}" not in s.get("overrides", [])]
        else:
            altered = None
        rows.append({"key": key, "default": one_line(default), "this_run": one_line(value),
                     "scenarios_altered": "; ".join(altered) if altered is not None
                     else "not a scenario setting: every stage that reads it"})
    return rows
