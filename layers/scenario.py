"""Read scenario files (TOML); see ``regions/scenarios/*.toml`` for the three seed scenarios."""

from __future__ import annotations

from pathlib import Path

from geo.errors import ConfigError
from geo.scenarios import FacilityChange, PaveChange, Scenario
from layers.facilities import KINDS as FACILITY_KINDS
from layers.io import read_toml

SCENARIO_KEYS = {"name", "season", "population_change_pct"} | {
    f"{k}_{lang}" for k in ("title", "assumptions") for lang in ("kk", "ru", "en")
}
FACILITY_KEYS = {"kind", "at", "lon", "lat", "name", "jobs"}


def load_scenario(path: str | Path) -> Scenario:
    """Read one scenario TOML file.

    Parameters
    ----------
    path
        The file: ``[scenario]`` (name, season, population_change_pct, title_*/assumptions_* in kk/ru/en),
        ``[[add_facility]]`` (kind, at | lon+lat, name, jobs), ``[[pave]]`` (from, to), ``[weights]``.

    Returns
    -------
    Scenario
    """
    path = Path(path)
    raw = read_toml(path, what="scenario file", hint="Check [scenarios] paths in the run config.")
    problems = []
    unknown = set(raw) - {"scenario", "add_facility", "pave", "weights"}
    if unknown:
        problems.append(f"unknown section(s) {sorted(unknown)}")
    head = raw.get("scenario", {})
    if "name" not in head:
        problems.append("[scenario] name is required")
    bad = set(head) - SCENARIO_KEYS
    if bad:
        problems.append(f"unknown key(s) {sorted(bad)} in [scenario]")
    facilities = []
    for i, f in enumerate(raw.get("add_facility", [])):
        extra = set(f) - FACILITY_KEYS
        if extra:
            problems.append(f"[[add_facility]] #{i + 1}: unknown key(s) {sorted(extra)}")
        if f.get("kind") not in FACILITY_KINDS:
            problems.append(f"[[add_facility]] #{i + 1}: kind {f.get('kind')!r} is not one of {sorted(FACILITY_KINDS)}")
        if "at" not in f and not ("lon" in f and "lat" in f):
            problems.append(f"[[add_facility]] #{i + 1}: give 'at' (a settlement, \"plan\", ...) or lon and lat")
        facilities.append(f)
    paves = []
    for i, p in enumerate(raw.get("pave", [])):
        if set(p) != {"from", "to"}:
            problems.append(f"[[pave]] #{i + 1}: needs exactly 'from' and 'to'")
        paves.append(p)
    weights = raw.get("weights", {})
    if any(not isinstance(v, (int, float)) or v < 0 for v in weights.values()):
        problems.append("[weights] values must be numbers >= 0")
    if problems:
        raise ConfigError(f"{path}: " + "; ".join(problems) + ".")
    return Scenario(
        name=str(head["name"]),
        title={lang: head.get(f"title_{lang}", head["name"]) for lang in ("kk", "ru", "en")},
        assumptions={lang: head.get(f"assumptions_{lang}", "") for lang in ("kk", "ru", "en")},
        season=str(head.get("season", "summer")),
        population_change_pct=float(head.get("population_change_pct", 0.0)),
        add_facilities=tuple(
            FacilityChange(kind=f["kind"], at=f.get("at"), lon=f.get("lon"), lat=f.get("lat"),
                           name=f.get("name"), jobs=float(f.get("jobs", 0.0)))
            for f in facilities
        ),
        pave=tuple(PaveChange(from_=p["from"], to=p["to"]) for p in paves),
        weights={k: float(v) for k, v in weights.items()},
    )
