"""Read the service package per settlement category (``regions/standards.toml``; see geo/standards.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from geo.categories import CATEGORIES
from geo.errors import ConfigError
from layers.io import read_toml

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_STANDARDS = PROJECT_ROOT / "regions" / "standards.toml"
KINDS = ("school", "kindergarten", "clinic", "hospital")


def load_standards(path: str | Path = DEFAULT_STANDARDS) -> tuple[dict[str, dict[str, float]], dict[str, Any]]:
    """``({category: {kind: max minutes}}, meta)``; every problem in one :class:`ConfigError`."""
    path = Path(path)
    doc = read_toml(path, what="standards file",
                    hint="Point [scoring] standards at a TOML like regions/standards.toml.")
    problems = []
    table = doc.get("category", {})
    out: dict[str, dict[str, float]] = {}
    for cat, kinds in table.items():
        if cat not in CATEGORIES:
            problems.append(f"unknown category [category.{cat}] (allowed: {', '.join(CATEGORIES)})")
            continue
        out[cat] = {}
        for kind, minutes in kinds.items():
            if kind not in KINDS:
                problems.append(f"[category.{cat}] {kind}: unknown service (allowed: {', '.join(KINDS)})")
            elif isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or minutes <= 0:
                problems.append(f"[category.{cat}] {kind} = {minutes!r} must be minutes > 0")
            else:
                out[cat][kind] = float(minutes)
    if problems:
        raise ConfigError(f"{path}: " + "; ".join(problems) + ".")
    return out, dict(doc.get("meta", {}))
