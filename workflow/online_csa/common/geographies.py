"""Geography labels of headline figures -> sets of police forces (config/geographies.yaml)."""
from __future__ import annotations

from dataclasses import dataclass

import yaml

from online_csa.common.forces import ForceRegister
from online_csa.raw_data.ledger import read_police_forces


@dataclass(frozen=True)
class Geography:
    id: str
    label: str
    forces: tuple[str, ...]
    outside_register: tuple[str, ...] = ()  # forces it covers that police_forces.csv does not list


class GeographyMap:
    def __init__(self, definitions: dict, register: ForceRegister):
        self.geographies: dict[str, Geography] = {}
        for gid, spec in definitions.get("geographies", {}).items():
            forces = register.select(spec.get("nations", ()), spec.get("regions", ()),
                                     spec.get("forces", ()), spec.get("exclude", ()))
            if not forces:
                raise ValueError(f"geography {gid!r} selects no force")
            self.geographies[gid] = Geography(gid, spec.get("label", gid), tuple(forces),
                                              tuple(spec.get("outside_register", ())))
        self.labels: dict[str, str] = dict(definitions.get("labels", {}))
        self.overrides: dict[str, str] = dict(definitions.get("record_overrides", {}) or {})
        for source, gid in {**self.labels, **self.overrides}.items():
            if gid not in self.geographies:
                raise ValueError(f"geographies.yaml: {source!r} maps to undefined geography {gid!r}")
        for gid in definitions.get("national_series_figure", {}) or {}:
            if gid not in self.geographies:
                raise ValueError(f"geographies.yaml: national_series_figure names undefined geography {gid!r}")

    @classmethod
    def from_yaml(cls, path, register: ForceRegister) -> "GeographyMap":
        with open(path) as handle:
            return cls(yaml.safe_load(handle), register)

    @classmethod
    def from_files(cls, geographies_yaml, police_forces_csv) -> "GeographyMap":
        """The map a rule builds from its two input files: geographies.yaml and police_forces.csv."""
        return cls.from_yaml(geographies_yaml, ForceRegister(read_police_forces(police_forces_csv)))

    def for_record(self, record_id: str, label: str) -> Geography | None:
        gid = self.overrides.get(record_id) or self.labels.get(label)
        return self.geographies.get(gid) if gid else None

    def for_force(self, force: str) -> Geography:
        return Geography(f"force:{force}", force, (force,))

    def for_figure(self, level: str, force: str, record_id: str, label: str) -> Geography | None:
        """The geography a published figure speaks for: its own force's for a force-level figure,
        else the one its record override or its label maps to (None if neither does)."""
        if level == "force":
            return self.for_force(force)
        return self.for_record(record_id, label)
