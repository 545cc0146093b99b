"""Check the configuration before any job runs, with messages that name the key.

The Snakefile calls `check_config` on the merged configuration (config.yaml, any
`--configfile` of the user's and any `--config` values). It

1. turns text into numbers or booleans where the schema wants them, because Snakemake's
   `--config` parser hands every nested value over as text (`--config
   monte_carlo='{draws: 20000}'` gives the string "20000");
2. fills in the schema's defaults;
3. checks the result against the JSON schema (unknown keys, wrong types, out-of-range values);
4. checks what a JSON schema cannot say: a distribution's low below its high, its mean or
   median between them; correlations between assumptions that can hold together
   (correlations.py); a trend claim's threshold that names a headline check with a threshold
   (claim_thresholds.py); an explorer slider's min below its max.

Every problem found is reported at once, one line each, as `key.path: message`.
"""
from __future__ import annotations

import copy
import functools
import hashlib
from pathlib import Path

import yaml

from online_csa.common.lean_imports import import_without
from online_csa.configuration.claim_thresholds import threshold_errors
from online_csa.configuration.correlations import correlation_errors

# The parameters each kind of distribution needs (distributions.py reads this too). Kept here,
# not in distributions.py, so that checking the config at parse time does not import scipy;
# jsonschema is imported only where the schema is checked, so a job importing this is cheap.
DISTRIBUTION_PARAMETERS = {
    "fixed": ("value",),
    "uniform": ("low", "high"),
    "beta": ("mean", "low", "high"),
    "lognormal": ("median", "low", "high"),
}


class ConfigError(ValueError):
    """The configuration is invalid; the message lists every problem with its key."""


# libyaml's loader when PyYAML was built with it: the schema is parsed at every Snakemake start,
# and the pure-Python parser is many times slower on a file this size.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path):
    """A YAML file's content, with the safe loader (the C one when available); ConfigError naming
    the file, line and column when it is not valid YAML."""
    try:
        return yaml.load(Path(path).read_text(), Loader=_YAML_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = ": ".join(filter(None, [getattr(error, "context", None), getattr(error, "problem", None)]))
        raise ConfigError(f"{path}{where}: not valid YAML: {problem or error}") from None


def evidence_ids(path) -> set[str]:
    """The `parameter` names of under_recording_parameters.csv, which an assumption's `evidence`
    may cite (read with the csv module: this runs at every Snakemake start)."""
    import csv

    with open(path, newline="", encoding="utf-8") as handle:
        return {row["parameter"] for row in csv.DictReader(handle)}


def evidence_errors(assumptions, known: set[str], parameters_file: str, prefix: str = "assumptions") -> list[str]:
    """Every `evidence` id of the assumptions that is not a row of the parameters file, with its key."""
    errors = []
    for name, spec in (assumptions or {}).items():
        cited = spec.get("evidence") if isinstance(spec, dict) else None
        for i, evidence in enumerate(cited if isinstance(cited, list) else []):
            if evidence not in known:
                errors.append(f"{prefix}.{name}.evidence[{i}]: {evidence!r} is not a parameter of {parameters_file}")
    return errors


@functools.lru_cache(maxsize=8)
def _cached_schema(path: str, version: tuple[int, int]) -> dict:
    return read_yaml(path)


def load_schema(path) -> dict:
    """The config schema (a fresh copy each call; the file is parsed once per change)."""
    stat = Path(path).stat()
    return copy.deepcopy(_cached_schema(str(path), (stat.st_mtime_ns, stat.st_size)))


def _resolve(node: dict, schema: dict) -> dict:
    """Follow `$ref` and merge `allOf` branches so a node's properties can be read directly."""
    while "$ref" in node:
        target = schema
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    if "allOf" in node:
        merged = {k: v for k, v in node.items() if k != "allOf"}
        for branch in node["allOf"]:
            branch = _resolve(branch, schema)
            for key, value in branch.items():
                if key == "properties":
                    merged.setdefault("properties", {})
                    for name, sub in value.items():
                        merged["properties"][name] = {**merged["properties"].get(name, {}), **sub}
                elif key not in merged:
                    merged[key] = value
        node = merged
    return node


def _coerce_scalar(value, wanted):
    if not isinstance(value, str):
        return value
    types = wanted if isinstance(wanted, list) else [wanted]
    text = value.strip()
    if "boolean" in types and text.lower() in ("true", "false"):
        return text.lower() == "true"
    if "integer" in types:
        try:
            return int(text)
        except ValueError:
            pass
    if "number" in types:
        try:
            return float(text) if any(c in text for c in ".eE") else int(text)
        except ValueError:
            pass
    return value


def coerce_text_values(config, schema: dict, node: dict | None = None):
    """A copy of `config` with text turned into numbers/booleans where the schema wants them."""
    node = _resolve(schema if node is None else node, schema)
    if isinstance(config, dict):
        properties = node.get("properties", {})
        extra = node.get("additionalProperties")
        out = {}
        for key, value in config.items():
            sub = properties.get(key, extra if isinstance(extra, dict) else None)
            out[key] = coerce_text_values(value, schema, sub) if sub is not None else value
        return out
    if isinstance(config, list):
        items = node.get("items")
        return [coerce_text_values(v, schema, items) if isinstance(items, dict) else v for v in config]
    if "type" in node:
        return _coerce_scalar(config, node["type"])
    return config


def fill_defaults(config: dict, schema: dict, node: dict | None = None) -> dict:
    """A copy of `config` with every missing key that has a schema default filled in, and its keys
    in the schema's order. The order matters: Snakemake compares a rule's params with the last
    run's as written, so the same values in another order (as a `--config` merge leaves them)
    would rerun the rule for nothing."""
    node = _resolve(schema if node is None else node, schema)
    properties = node.get("properties", {})
    out = {}
    for key, sub in properties.items():
        sub = _resolve(sub, schema)
        if key in config:
            out[key] = copy.deepcopy(config[key])
        elif "default" in sub:
            out[key] = copy.deepcopy(sub["default"])
        else:
            continue
        if isinstance(out[key], dict) and (sub.get("type") == "object" or "dist" in out[key]):
            out[key] = fill_defaults(out[key], schema, sub)  # a section, or a distribution
    for key in config:
        if key not in properties:
            out[key] = copy.deepcopy(config[key])
    return out


def _key(path) -> str:
    parts = []
    for part in path:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(("." if parts else "") + str(part))
    return "".join(parts) or "(top level)"


def _messages(error, path: list) -> list[str]:
    """One line per problem of a jsonschema ValidationError, naming the key."""
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        unknown = [k for k in error.instance if k not in allowed]
        return [f"{_key(path + [k])}: unknown key (allowed here: {', '.join(allowed) or 'none'})" for k in unknown]
    if error.context:  # a failed allOf/anyOf: its own causes name the key best
        return [m for sub in error.context for m in _messages(sub, path + list(sub.relative_path))]
    return [f"{_key(path)}: {error.message}"]


# Optional libraries jsonschema imports for "format" checks this schema never asks for (they are
# installed for Jupyter): rfc3987_syntax compiles grammars when imported, and the rest (arrow and
# friends) add imports of their own. Every Snakemake start checks the config, so they are hidden
# while jsonschema is first imported, and only then.
_FORMAT_CHECK_LIBRARIES = ("rfc3987_syntax", "rfc3987", "rfc3986_validator", "rfc3339_validator", "isoduration",
                           "fqdn", "idna", "webcolors", "jsonpointer", "uri_template")


def _import_jsonschema():
    return import_without("jsonschema", _FORMAT_CHECK_LIBRARIES)


# Where a configuration that passed the schema is remembered, when Snakemake's folder exists in the working
# directory: Snakemake checks the configuration and every scenario at each start, dry runs included, and most
# starts check exactly what the last one did. A marker's name is a hash of the configuration and the schema as
# Python writes them (so 1, 1.0, True and "1", or a list and a tuple, differ); only a pass is remembered.
VALID_CONFIG_MARKERS = Path(".snakemake/online_csa/valid_configs")


def _validity_marker(config, schema: dict) -> Path | None:
    if not VALID_CONFIG_MARKERS.parent.parent.is_dir():
        return None
    return VALID_CONFIG_MARKERS / hashlib.sha256(repr((config, schema)).encode()).hexdigest()


def schema_errors(config: dict, schema: dict) -> list[str]:
    """Every way `config` breaks the JSON schema, one line each naming the key."""
    marker = _validity_marker(config, schema)
    if marker is not None and marker.exists():
        return []
    messages = _schema_errors(config, schema)
    if marker is not None and not messages:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    return messages


def _schema_errors(config: dict, schema: dict) -> list[str]:
    jsonschema = _import_jsonschema()
    validator = jsonschema.Draft202012Validator(schema)
    messages = []
    for error in validator.iter_errors(config):
        messages.extend(_messages(error, list(error.absolute_path)))
    return sorted(set(messages))


def distribution_errors(name: str, spec: dict) -> list[str]:
    """What the schema cannot say about one distribution (its bounds in the right order)."""
    kind = spec.get("dist")
    needed = DISTRIBUTION_PARAMETERS.get(kind, ())
    if any(not isinstance(spec.get(p), (int, float)) or isinstance(spec.get(p), bool) for p in needed):
        return []  # the schema has reported the missing or non-numeric parameter already
    errors = []
    if "low" in needed and "high" in needed and not spec["low"] < spec["high"]:
        errors.append(f"{name}.low: {spec['low']} must be below {name}.high ({spec['high']})")
    centre = "mean" if kind == "beta" else "median" if kind == "lognormal" else None
    if centre and spec["low"] < spec["high"] and not spec["low"] < spec[centre] < spec["high"]:
        errors.append(f"{name}.{centre}: {spec[centre]} must lie between low ({spec['low']}) and high ({spec['high']})")
    return errors


def assumption_errors(assumptions: dict, prefix: str = "assumptions") -> list[str]:
    errors = []
    for name, spec in assumptions.items():
        if isinstance(spec, dict) and "dist" in spec:
            errors.extend(distribution_errors(f"{prefix}.{name}", spec))
    return errors


def dependence_errors(assumptions, monte_carlo) -> list[str]:
    """The correlations of `monte_carlo` checked against the assumptions they name."""
    if not isinstance(assumptions, dict) or not isinstance(monte_carlo, dict):
        return []
    names = [name for name, spec in assumptions.items() if isinstance(spec, dict)]
    return correlation_errors(monte_carlo.get("correlations", []), names)


def _parameters(spec: dict) -> tuple:
    return (spec.get("dist"),) + tuple(spec.get(p) for p in DISTRIBUTION_PARAMETERS.get(spec.get("dist"), ()))


def normalise_assumptions(assumptions: dict, defaults: dict) -> dict:
    """Tidy what Snakemake's key-by-key merge leaves behind when a user changes an assumption.

    `--config` and `--configfile` merge into the default distribution key by key, so changing
    `{dist: uniform, low, high}` to `{dist: fixed, value: 0.6}` leaves low and high behind, and
    the default's `source` with it. Parameters the new `dist` does not use are dropped, and a
    changed distribution that still carries the default's source says it was changed, so the
    report never cites evidence for a value that is not the one used.
    """
    out = copy.deepcopy(assumptions)
    for name, spec in out.items():
        if not isinstance(spec, dict) or spec.get("dist") not in DISTRIBUTION_PARAMETERS:
            continue
        keep = set(DISTRIBUTION_PARAMETERS[spec["dist"]]) | {"dist", "source", "evidence"}
        for key in [k for k in spec if k not in keep]:
            del spec[key]
        default = defaults.get(name)
        if (isinstance(default, dict) and _parameters(spec) != _parameters(default)
                and spec.get("source") == default.get("source")):
            spec["source"] = f"changed by the user from the default; the default rested on: {default.get('source', '')}"
    return out


def known_evidence(config: dict) -> tuple[set[str] | None, str]:
    """(the evidence ids the configuration's parameters file holds, its path); None when the file is
    missing, which the raw-data stage reports naming it."""
    path = config.get("raw_data", {}).get("under_recording_parameters", "")
    return (evidence_ids(path) if path and Path(path).is_file() else None), path


def assumption_defaults(schema: dict) -> dict:
    properties = schema["properties"]["assumptions"]["properties"]
    return {name: copy.deepcopy(node["default"]) for name, node in properties.items() if "default" in node}


def slider_errors(ranges: dict) -> list[str]:
    """Each explorer slider whose min is not below its max."""
    return [f"explorer.ranges.{name}.min: {r['min']} must be below explorer.ranges.{name}.max ({r['max']})"
            for name, r in ranges.items()
            if isinstance(r, dict) and isinstance(r.get("min"), (int, float)) and isinstance(r.get("max"), (int, float))
            and not r["min"] < r["max"]]


def check_config(config: dict, schema_path, source: str = "config") -> dict:
    """The validated configuration with defaults filled in, or ConfigError naming every bad key."""
    schema = load_schema(schema_path)
    checked = fill_defaults(coerce_text_values(config, schema), schema)
    errors = schema_errors(checked, schema)
    if isinstance(checked.get("assumptions"), dict):
        errors += assumption_errors(checked["assumptions"])
    errors += dependence_errors(checked.get("assumptions"), checked.get("monte_carlo"))
    if isinstance(checked.get("sensitivity"), dict) and isinstance(checked.get("headline_checks"), dict):
        errors += threshold_errors(checked["sensitivity"].get("trend_claims"), checked["headline_checks"])
    known, parameters_file = known_evidence(checked)
    if known is not None and isinstance(checked.get("assumptions"), dict):
        errors += evidence_errors(checked["assumptions"], known, parameters_file)
    bounds = checked.get("cleaning", {}).get("suppressed_range", {})
    if isinstance(bounds.get("low"), int) and isinstance(bounds.get("high"), int) and bounds["low"] > bounds["high"]:
        errors.append(f"cleaning.suppressed_range.low: {bounds['low']} must not be above "
                      f"cleaning.suppressed_range.high ({bounds['high']})")
    errors += slider_errors(checked.get("explorer", {}).get("ranges", {}))
    if errors:
        raise ConfigError(f"{source} is invalid ({len(errors)} problem{'s' if len(errors) > 1 else ''}):\n  "
                          + "\n  ".join(errors))
    checked["assumptions"] = normalise_assumptions(checked["assumptions"], assumption_defaults(schema))
    return checked
