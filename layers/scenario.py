"""Read scenario files (TOML); see ``regions/scenarios/*.toml`` for the three seed scenarios."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from geo.errors import ConfigError
from geo.scenarios import FacilityChange, PaveChange, Scenario
from geo.speeds import SEASONS
from layers.facilities import KINDS as FACILITY_KINDS
from layers.io import read_toml

SCENARIO_KEYS = {"name", "season", "population_change_pct"} | {
    f"{k}_{lang}" for k in ("title", "assumptions") for lang in ("kk", "ru", "en")
}
FACILITY_KEYS = {"kind", "at", "lon", "lat", "name", "jobs"}
#: A scenario name names its output file (``scenario_<name>.csv``): letters (any script), digits, ``_``, ``-``.
NAME_RE = re.compile(r"^[^\W_][\w-]{0,63}$")


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
    elif not isinstance(head["name"], str) or not NAME_RE.match(head["name"]):
        problems.append(
            f"[scenario] name {head['name']!r} must be 1-64 letters, digits, '_' or '-', starting with a letter or "
            "digit (it names the file scenario_<name>.csv); put display names in title_kk/title_ru/title_en"
        )
    bad = set(head) - SCENARIO_KEYS
    if bad:
        problems.append(f"unknown key(s) {sorted(bad)} in [scenario]")
    if head.get("season", "summer") not in SEASONS:
        problems.append(f"[scenario] season {head.get('season')!r} is not one of {', '.join(SEASONS)}")
    pct = head.get("population_change_pct", 0.0)
    if isinstance(pct, bool) or not isinstance(pct, (int, float)) or not -100 <= pct <= 1000:
        problems.append(f"[scenario] population_change_pct {pct!r} must be a number between -100 and 1000")
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


def load_scenarios(paths: Sequence[str | Path]) -> list[Scenario]:
    """Read scenario files; two scenarios may not share a name (their tables would overwrite each other).

    Raises
    ------
    ConfigError
        A bad file (see :func:`load_scenario`), or a name used twice (case-insensitive: file systems
        such as Windows' ignore case).
    """
    scenarios = [load_scenario(p) for p in paths]
    seen: dict[str, Path] = {}
    for path, sc in zip(paths, scenarios, strict=True):
        key = sc.name.casefold()
        if key in seen:
            raise ConfigError(
                f"{path}: scenario name {sc.name!r} is already used by {seen[key]}; give each scenario its own "
                "[scenario] name."
            )
        seen[key] = Path(path)
    return scenarios
