"""Shared fixtures: the real-data folder and tiny layers made in code."""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

RAW_DIR = Path(__file__).resolve().parents[1].parent / "shared/data/raw"
BAD_DIR = Path(__file__).resolve().parent / "data" / "bad"


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    """Folder of the real SKO data (skips the test when it is absent)."""
    if not RAW_DIR.is_dir():
        pytest.skip(f"real data folder {RAW_DIR} not found")
    return RAW_DIR


@pytest.fixture(scope="session")
def bad_dir() -> Path:
    """Folder of the shipped bad-input fixtures."""
    return BAD_DIR


@pytest.fixture()
def tiny_boundaries() -> gpd.GeoDataFrame:
    """Two districts side by side: 591000000 (x 69–70) and 592000000 (x 70–71), y 54–55."""
    return gpd.GeoDataFrame(
        {"district_id": ["591000000", "592000000"], "name_kk": ["Бірінші", "Екінші"],
         "name_ru": ["Первый", "Второй"], "name_en": ["First", "Second"],
         "level": ["district", "district"]},
        geometry=[box(69, 54, 70, 55), box(70, 54, 71, 55)], crs="EPSG:4326",
    )


@pytest.fixture()
def tiny_settlements() -> gpd.GeoDataFrame:
    """Five canonical settlements (the columns the proxies and joins need)."""
    return gpd.GeoDataFrame(
        {"settlement_id": ["s1", "s2", "s3", "s4", "s5"],
         "name": ["Альфа", "Бета", "Гамма", "Дельта", "Эпсилон"],
         "name_ru": ["Альфа", "Бета", "Гамма", "Дельта", "Эпсилон"],
         "name_kk": ["Альфа", "Бета", "Гамма", "Дельта", "Эпсилон"],
         "population": [20000.0, 1500.0, 600.0, 120.0, float("nan")],
         "district_id": ["591000000", "591000000", "592000000", "592000000", "592000000"],
         "district": ["Первый", "Первый", "Второй", "Второй", "Второй"],
         "is_district_centre": [True, False, True, False, False],
         "is_oblast_centre": [True, False, False, False, False],
         "is_okrug_centre": [False, False, False, True, False]},
        geometry=[Point(69.5, 54.5), Point(69.6, 54.6), Point(70.5, 54.5), Point(70.6, 54.6),
                  Point(70.7, 54.7)],
        crs="EPSG:4326",
    )


#: Modules that run the whole pipeline, a browser or notebooks (each takes seconds to minutes): marked
#: ``slow`` so that ``pytest -m "not slow"`` is a quick loop while ``make test`` still runs everything.
SLOW_MODULES = frozenset({
    "test_cli", "test_notebooks", "test_outputs_browser", "test_maps_browser", "test_template_injection",
    "test_workflow", "test_workbook", "test_output_folder", "test_ui_language", "test_ui_print", "test_ui_screens",
    "test_scenario_map", "test_categories", "test_resettlement", "test_online_run", "test_osm_reader",
})


def pytest_collection_modifyitems(config, items):  # noqa: ARG001 - pytest hook signature
    for item in items:
        if item.module is not None and item.module.__name__.rsplit(".", 1)[-1] in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def sample_pages(tmp_path_factory) -> Path:
    """One run of the sample region with every page (maps, dashboard, sheets, profiles), 50 stability draws.

    Shared, read only, by the page tests (tests/test_ui_*.py) instead of one run per module.
    """
    import build_maps

    tmp = tmp_path_factory.mktemp("sample_pages")
    assert build_maps.main(["--sample-dir", str(tmp / "sample"), "--out", str(tmp / "out"), "--draws", "50",
                            "-q"]) == 0
    return tmp / "out"


@pytest.fixture(scope="module")
def ui_browser():
    """The test session's one Chromium (tests/browser.py, reference-counted), skipped when not installed."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import browser as B

    if not Path(B.CHROMIUM).exists():  # pragma: no cover - CI installs it (.ci/run)
        pytest.skip("needs Debian chromium (/usr/bin/chromium)")
    yield B.acquire_browser()
    B.release_browser()
