"""Run configuration: parsing, defaults, path resolution and every error the user can make."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.errors import ConfigError, MissingFileError, SitingError
from layers.config import config_from_osm, load_config

PROJECT = Path(__file__).resolve().parents[1]


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "places.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    p = tmp_path / "run.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_paths_are_relative_to_the_config_and_defaults_filled(tmp_path):
    cfg = load_config(_write(tmp_path, '[settlements]\npath = "places.geojson"\n'))
    assert cfg.get("settlements", "path") == (tmp_path / "places.geojson").resolve()
    assert cfg.get("scoring", "seasons") == ["summer", "winter", "thaw"]
    assert cfg.get("roads", "circuity") == 1.3
    assert cfg.get("siting", "k") == 5
    assert cfg.get("scoring", "housing").name == "housing_criteria.toml"
    assert cfg.is_sample is False


def test_sko_config_points_at_existing_shared_files():
    cfg = load_config(PROJECT / "regions" / "sko.toml")
    assert cfg.get("settlements", "path").exists()
    assert cfg.get("region", "crs") == "EPSG:32642"
    assert len(cfg.get("facilities", "rail")) == 2


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('[settlement]\npath = "places.geojson"\n', r"unknown section \[settlement\]"),
        ('[settlements]\npath = "places.geojson"\npopulation = 3\n', r"unknown key 'population' in \[settlements\]"),
        ('[settlements]\npath = "places.geojson"\n[siting]\nk = "five"\n', r"\[siting\] k = 'five' is not a valid int"),
        ("[region]\nname_en = 'x'\n", r"\[settlements\] path is required"),
        ('[settlements]\npath = "places.geojson"\n[scoring]\nseasons = ["summer", "monsoon"]\n', r"unknown \['monsoon'\]"),
        ('[settlements]\npath = "places.geojson"\n[maps]\nlang = "de"\n', r"lang must be one of kk, ru, en"),
        ('[settlements]\npath = "places.geojson"\n[roads]\nosm = "places.geojson"\nlines = "places.geojson"\n', r"either osm or lines"),
        ("[settlements\npath = 1\n", r"not valid TOML"),
    ],
)
def test_config_errors_name_the_key(tmp_path, text, match):
    with pytest.raises(ConfigError, match=match):
        load_config(_write(tmp_path, text))


def test_every_problem_is_reported_at_once(tmp_path):
    text = '[settlements]\npath = "places.geojson"\nfoo = 1\n[siting]\nk = "x"\n'
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path, text))
    assert "unknown key 'foo'" in str(err.value) and "[siting] k" in str(err.value)
    assert str(tmp_path / "run.toml") in str(err.value)


def test_missing_input_file_names_key_and_path(tmp_path):
    p = _write(tmp_path, '[settlements]\npath = "places.geojson"\n[vacancies]\npath = "nope.csv"\n')
    with pytest.raises(MissingFileError, match=r"\[vacancies\] path: .*nope\.csv"):
        load_config(p)


def test_missing_config_and_osm_file(tmp_path):
    with pytest.raises(MissingFileError, match="config file not found"):
        load_config(tmp_path / "absent.toml")
    with pytest.raises(MissingFileError, match="OSM extract not found"):
        config_from_osm(tmp_path / "absent.osm")
    assert issubclass(MissingFileError, FileNotFoundError) and issubclass(MissingFileError, SitingError)


def test_osm_config_uses_one_file_for_everything(tmp_path):
    osm = tmp_path / "x.osm"
    osm.write_text("<osm version='0.6'></osm>")
    cfg = config_from_osm(osm)
    assert cfg.get("roads", "osm") == cfg.get("settlements", "path") == cfg.get("facilities", "osm") == osm
    assert cfg.get("facilities", "proxies") is True
