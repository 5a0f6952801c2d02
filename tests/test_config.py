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
    assert cfg.settlements.path == (tmp_path / "places.geojson").resolve()
    assert cfg.scoring.seasons == ("summer", "winter", "thaw")
    assert cfg.roads.circuity == 1.3
    assert cfg.siting.k == 5
    assert cfg.scoring.housing.name == "housing_criteria.toml"
    assert cfg.is_sample is False


def test_sko_config_points_at_existing_shared_files():
    cfg = load_config(PROJECT / "regions" / "sko.toml")
    assert cfg.settlements.path.exists()
    assert cfg.region.crs == "EPSG:32642"
    assert len(cfg.facilities.rail) == 2


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('[settlement]\npath = "places.geojson"\n', r"unknown section \[settlement\]"),
        ('[settlements]\npath = "places.geojson"\npopulation = 3\n', r"unknown key 'population' in \[settlements\]"),
        ('[settlements]\npath = "places.geojson"\n[siting]\nk = "five"\n', r"\[siting\] k = 'five' is not a valid int"),
        ("[region]\nname_en = 'x'\n", r"\[settlements\] path is required"),
        ('[settlements]\npath = "places.geojson"\n[scoring]\nseasons = ["summer", "monsoon"]\n', r"\[scoring\] seasons = \['summer', 'monsoon'\]: \['monsoon'\] not allowed \(one of summer, winter, thaw\)"),
        ('[settlements]\npath = "places.geojson"\n[maps]\nlang = "de"\n', r"\[maps\] lang = 'de': 'de' not allowed \(one of kk, ru, en\)"),
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
    assert cfg.roads.osm == cfg.settlements.path == cfg.facilities.osm == osm
    assert cfg.facilities.proxies is True


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[roads]\ncircuity = 0.9\n", r"\[roads\] circuity = 0\.9 must be >= 1\.0"),
        ("[roads]\nmax_snap_m = 0\n", r"\[roads\] max_snap_m = 0 must be > 0\.0"),
        ("[siting]\nk = -1\n", r"\[siting\] k = -1 must be >= 0"),
        ("[siting]\ncommute_min = 0\n", r"\[siting\] commute_min = 0 must be > 0\.0"),
        ("[siting]\nworking_age_share = 1.5\n", r"working_age_share = 1\.5 must be <= 1\.0"),
        ("[dairy]\nmax_delivery_min = -5\n", r"max_delivery_min = -5 must be > 0\.0"),
        ("[scoring]\nshortlist_n = 0\n", r"shortlist_n = 0 must be >= 1"),
        ("[scoring]\nstability_draws = -3\n", r"stability_draws = -3 must be >= 0"),
        ("[roads]\ncircuty = 1.2\n", r"unknown key 'circuty' in \[roads\]; did you mean 'circuity'\?"),
        ("[sitting]\nk = 2\n", r"unknown section \[sitting\]; did you mean 'siting'\?"),
        ("[region]\ncrs = \"EPSG:4326\"\n", r"\[region\] crs = 'EPSG:4326' is in degrees \(geographic\)"),
        ("[region]\ncrs = \"EPSG:999999\"\n", r"\[region\] crs = 'EPSG:999999' is not a CRS that pyproj knows"),
        ("[region]\ncrs = \"EPSG:2263\"\n", r"measures in US survey foot, not metres"),
        ("[roads]\ncircuity = nan\n", r"circuity = nan is not a valid float"),
        ("[maps]\ncsv_sep = \"|\"\n", r"\[maps\] csv_sep = '\|': '\|' not allowed \(one of ;, ,"),
    ],
)
def test_ranges_and_typos_are_named(tmp_path, text, match):
    with pytest.raises(ConfigError, match=match):
        load_config(_write(tmp_path, '[settlements]\npath = "places.geojson"\n' + text))


def test_every_range_problem_in_one_message(tmp_path, capsys):
    import build_maps

    p = _write(tmp_path, '[settlements]\npath = "places.geojson"\n[roads]\ncircuity = 0.9\nmax_snap_m = -1\n'
                         '[siting]\nk = -2\nworking_age_share = 2.0\n')
    assert build_maps.main(["--config", str(p), "--out", str(tmp_path / "o"), "-q"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    for part in ("circuity = 0.9", "max_snap_m = -1", "k = -2", "working_age_share = 2.0"):
        assert part in err[0]


def test_k_zero_is_a_legitimate_setting(tmp_path):
    cfg = load_config(_write(tmp_path, '[settlements]\npath = "places.geojson"\n[siting]\nk = 0\n'))
    assert cfg.siting.k == 0


def test_cp1251_config_is_one_clear_error(tmp_path):
    p = tmp_path / "run.toml"
    p.write_bytes('[region]\nname_ru = "Северо-Казахстанская"\n'.encode("cp1251"))
    with pytest.raises(ConfigError, match=r"run\.toml: not UTF-8 text .*Save it as UTF-8"):
        load_config(p)


def test_defaults_live_on_the_model():
    """One home for every default: the code's shortlist size equals the config's."""
    from geo.stability import SHORTLIST_N, TOP_N_DISTRICT
    from layers.config import RunConfig
    from maps.tables import shortlist

    cfg = RunConfig()
    assert cfg.scoring.shortlist_n == SHORTLIST_N == TOP_N_DISTRICT
    import inspect

    assert inspect.signature(shortlist).parameters["n"].default == SHORTLIST_N


def test_shortlist_csv_separator_is_a_config_option(tmp_path):
    """``[maps] csv_sep`` overrides the language default (``;`` for ru) of the Excel-ready shortlist."""
    import build_maps
    from layers.sample import write_sample_region

    cfg_path = write_sample_region(tmp_path / "sample")
    for sep, want in ((None, b";"), (",", b",")):
        text = cfg_path.read_text(encoding="utf-8")
        if sep:
            text += f'\n[maps]\ncsv_sep = "{sep}"\n'
        run_cfg = cfg_path.parent / f"run_{want.decode()}.toml"
        run_cfg.write_text(text, encoding="utf-8")
        out = tmp_path / f"out_{want.decode()}"
        assert build_maps.main(["--config", str(run_cfg), "--out", str(out), "--lang", "ru", "--draws", "0",
                                "--no-maps", "-q"]) == 0
        head = (out / "shortlist.csv").read_bytes().splitlines()[0]
        assert head.startswith(b"\xef\xbb\xbf") and head.count(want) >= 8, head
        other = b"," if want == b";" else b";"
        assert head.count(other) == 0, head
