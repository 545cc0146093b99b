"""Named scenarios: sets of under-recording assumptions a reviewer can run side by side.

A scenario is a YAML file in `config/scenarios/` (its name is the file's stem):

    description: Flag completeness improving over time
    assumptions:
      flag_completeness_ratio_per_year: {dist: uniform, low: 0.7368, high: 0.9283, source: "...", evidence: []}
    monte_carlo: {draws: 20000}        # optional; a key given replaces the configuration's whole value

Each assumption a scenario names replaces the configuration's whole distribution for that
assumption (it is not merged key by key, so a scenario's `source` is always its own); the
others, and `monte_carlo`, come from the configuration. The configuration's own assumptions
are the scenario `baseline`. Every scenario is checked against the config schema when the
workflow is parsed, and an error names the file and the key.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path

from online_csa.configuration.validation import (ConfigError, assumption_errors, dependence_errors, evidence_errors,
                                                 known_evidence, load_schema, read_yaml, schema_errors)

BASELINE = "baseline"
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
FILE_KEYS = {"description", "assumptions", "monte_carlo"}


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    path: str  # the scenario file ("" for the baseline)
    assumptions: dict
    monte_carlo: dict
    overrides: tuple[str, ...] = field(default=())  # assumption (and monte_carlo) keys the file sets

    def summary(self) -> dict:
        """What the comparison and the report say about the scenario (plain data for params)."""
        return {"name": self.name, "description": self.description, "file": self.path,
                "overrides": list(self.overrides)}


def baseline(config: dict) -> Scenario:
    return Scenario(BASELINE, "The configuration's own assumptions (config/config.yaml and any changes given on "
                    "the command line)", "", copy.deepcopy(config["assumptions"]),
                    copy.deepcopy(config["monte_carlo"]))


def _file_errors(path: Path, content) -> list[str]:
    if not isinstance(content, dict):
        return [f"(top level): expected a mapping with description and assumptions, got {type(content).__name__}"]
    errors = [f"{key}: unknown key (allowed here: {', '.join(sorted(FILE_KEYS))})" for key in content
              if key not in FILE_KEYS]
    if not isinstance(content.get("description"), str) or not content["description"].strip():
        errors.append("description: required, a sentence saying what the scenario assumes")
    for key in ("assumptions", "monte_carlo"):
        if key in content and not isinstance(content[key], dict):
            errors.append(f"{key}: expected a mapping, got {content[key]!r}")
    for name, spec in (content.get("assumptions") or {}).items():
        if isinstance(spec, dict) and not str(spec.get("source", "")).strip():
            errors.append(f"assumptions.{name}.source: required in a scenario: say what the value rests on")
    return errors


def load_scenario(path, config: dict, schema: dict, evidence: set[str] | None = None) -> Scenario:
    """One scenario file, merged onto the (already checked) configuration; ConfigError names file and key
    (and the line, for a file that is not valid YAML). `evidence`: the ids an assumption may cite
    (read from the configuration's parameters file when not given)."""
    path = Path(path)
    name = path.stem
    if not NAME_PATTERN.match(name) or name == BASELINE:
        raise ConfigError(f"{path}: a scenario's file name must be lower-case letters, digits and underscores, and "
                          f"not '{BASELINE}' (got '{name}')")
    content = read_yaml(path)
    errors = _file_errors(path, content)
    if not errors:
        candidate = copy.deepcopy(config)
        candidate["assumptions"].update(copy.deepcopy(content.get("assumptions", {})))
        candidate["monte_carlo"].update(copy.deepcopy(content.get("monte_carlo", {})))
        errors = [e for e in schema_errors(candidate, schema) if e.startswith(("assumptions", "monte_carlo"))]
        errors += assumption_errors(candidate["assumptions"])
        errors += dependence_errors(candidate["assumptions"], candidate["monte_carlo"])
        known, parameters_file = (evidence, config["raw_data"]["under_recording_parameters"]) if evidence is not None \
            else known_evidence(config)
        if known is not None:
            errors += evidence_errors(content.get("assumptions"), known, parameters_file)
    if errors:
        raise ConfigError(f"{path} is invalid:\n  " + "\n  ".join(errors))
    overrides = tuple(sorted(content.get("assumptions", {}))) + tuple(
        f"monte_carlo.{key}" for key in sorted(content.get("monte_carlo", {})))
    return Scenario(name, content["description"].strip(), str(path), candidate["assumptions"],
                    candidate["monte_carlo"], overrides)


def load_scenarios(directory, config: dict, schema_path) -> dict[str, Scenario]:
    """The baseline followed by every `*.yaml` in `directory`, in name order."""
    schema = load_schema(schema_path)
    known, _ = known_evidence(config)
    scenarios = {BASELINE: baseline(config)}
    for path in sorted(Path(directory).glob("*.yaml")):
        scenario = load_scenario(path, config, schema, known)
        scenarios[scenario.name] = scenario
    return scenarios
