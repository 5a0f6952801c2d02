"""Command line: build accessibility scores, housing shortlists, dairy sites and offline maps.

Usage
-----
``python build_maps.py``
    Generate (or reuse) the embedded SAMPLE region and build everything into ``out/``.
``python build_maps.py --config regions/sko.toml --out out/sko``
    Run on the layers a TOML file names (paths relative to it); see docs/CONFIG.md.
``python build_maps.py --osm-file EXTRACT.osm --out DIR``
    Roads, places (with ``population``) and amenities all from one OSM extract.

On bad input the command prints one line naming the file, column or row and exits with status 2; the
output folder is left as it was (outputs are staged and moved into place only when every step succeeded).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from layers.config import RunConfig
    from layers.run_io import FinishedRun

logger = logging.getLogger("build_maps")

PROJECT_ROOT = Path(__file__).resolve().parent
DEFAULT_OUT = Path("out")
DEFAULT_SAMPLE_DIR = Path("sample_region")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse command-line arguments."""
    p = argparse.ArgumentParser(
        prog="build_maps.py",
        description="Rank villages for resettler housing, site anchor dairy farms and build offline maps "
        "(kk/ru/en). With no arguments, runs on the generated SAMPLE region.",
    )
    src = p.add_mutually_exclusive_group()
    src.add_argument("--config", type=Path, help="run configuration TOML (see docs/CONFIG.md)")
    src.add_argument("--osm-file", type=Path, help="one OSM XML extract with roads, places and amenities")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: out)")
    p.add_argument(
        "--sample-dir",
        type=Path,
        default=DEFAULT_SAMPLE_DIR,
        help="where the sample region is generated (default: sample_region)",
    )
    p.add_argument("--lang", choices=("kk", "ru", "en"), default=None, help="default map language")
    p.add_argument("--no-maps", action="store_true", help="write tables and run.json only")
    p.add_argument("--draws", type=int, default=None, help="rank-stability draws (default from config)")
    p.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return p.parse_args(argv)


def _setup_logging(args: argparse.Namespace) -> None:
    level = logging.WARNING if args.quiet else logging.DEBUG if args.verbose else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("fiona", "pyogrio", "rasterio", "matplotlib", "PIL", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


LIBRARIES = (
    "numpy", "pandas", "geopandas", "shapely", "pyproj", "osmnx", "networkx", "scipy", "rasterio",
    "folium", "pulp", "spopt", "openpyxl",
)


def library_versions() -> dict[str, str]:
    """Versions of the libraries a run depends on (for run.json)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": sys.version.split()[0]}
    for name in LIBRARIES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def compute(cfg: "RunConfig", *, work_dir: Path, draws: int | None = None) -> tuple[Any, Any, Any]:
    """Load the layers of ``cfg`` and compute everything, without writing outputs (for notebooks).

    Parameters
    ----------
    cfg
        A validated run configuration.
    work_dir
        Folder for intermediate files (the interpolated climate raster).
    draws
        Rank-stability draws (default from the config).

    Returns
    -------
    (RegionData, Analysis, criteria)
        The loaded layers, the analysis and the housing criteria ``(criteria, constraints, meta)``.
    """
    from geo.analysis import analyse
    from layers.criteria import load_criteria
    from layers.region import load_region

    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    region = load_region(cfg, work_dir=work_dir)
    housing = load_criteria(cfg.scoring.housing)
    dairy = load_criteria(cfg.scoring.dairy)
    result = analyse(
        region,
        housing_criteria=housing,
        dairy_criteria=dairy,
        draws=draws if draws is not None else cfg.scoring.stability_draws,
    )
    return region, result, housing


def run(
    cfg: "RunConfig",
    *,
    out_dir: Path,
    lang: str | None = None,
    maps: bool = True,
    draws: int | None = None,
) -> list[Path]:
    """Load the layers of ``cfg``, compute everything and write the outputs into ``out_dir``.

    Parameters
    ----------
    cfg
        A validated run configuration.
    out_dir
        Output folder; files appear there only when the whole run succeeded.
    lang
        Default map language (kk, ru, en); default from the config ([maps] lang) or ru.
    maps
        Write the HTML maps.
    draws
        Rank-stability draws (default from the config).

    Returns
    -------
    list of Path
        The files written (final locations).
    """
    from geo.analysis import run_scenarios
    from geo.scenarios import scenario_summary
    from layers.scenario import load_scenarios
    from maps.outputs import staged_output, write_json
    from maps.report import write_outputs

    lang = lang or cfg.maps.lang
    out_dir = Path(out_dir)
    with staged_output(out_dir) as stage:
        t0 = time.perf_counter()
        work = stage / "_work"
        work.mkdir()
        region, result, housing = compute(cfg, work_dir=work, draws=draws)
        scenarios = load_scenarios(cfg.scenarios.paths)
        scenario_results = run_scenarios(result, region, scenarios, housing)
        files = write_outputs(region, result, stage, lang=lang, maps=maps, scenarios=scenario_results)
        record = {
            "tool": "sko-siting",
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "sample": cfg.is_sample,
            "region": {k: getattr(cfg.region, k) for k in ("name_en", "name_ru", "name_kk", "crs")},
            "config_file": str(cfg.path) if cfg.path else None,
            "config": cfg.raw,
            "config_effective": cfg.as_dict(),
            "inputs": region.inputs,
            "network_source": result.network.source,
            "proxies": region.proxies,
            "approximations": region.approximations + result.notes.get("approximations", []),
            "missing": region.missing + result.notes.get("missing", []),
            "match_rates": region.match_rates,
            "counts": result.notes.get("counts", {}),
            "criteria": result.criteria,
            "criteria_files": {"housing": cfg.scoring.housing, "dairy": cfg.scoring.dairy},
            "scenarios": {name: {**scenario_summary(sc), "paved_edges": sc.paved_edges,
                                 "added_facilities": len(sc.added_facilities)}
                          for name, sc in scenario_results.items()},
            "parameters": result.notes.get("parameters", {}),
            "library_versions": library_versions(),
            "timings_s": {**region.timings, **result.timings, "total": time.perf_counter() - t0},
            "outputs": sorted(str(f.relative_to(stage)) for f in files),
        }
        write_json(record, stage / "run.json")
        shutil.rmtree(work, ignore_errors=True)
        written = [out_dir / f.relative_to(stage) for f in files] + [out_dir / "run.json"]
    return written


def notebook_config(config: str | Path | None = None) -> "RunConfig":
    """The configuration notebooks use: ``config``, else ``$SKO_CONFIG``, else the generated sample region."""
    from layers.config import load_config
    from layers.sample import write_sample_region

    config = config or os.environ.get("SKO_CONFIG")
    if config:
        return load_config(config)
    return load_config(write_sample_region(PROJECT_ROOT / DEFAULT_SAMPLE_DIR))


def ensure_run(out_dir: str | Path | None = None, *, config: str | Path | None = None) -> "FinishedRun":
    """Return a finished run, building it first when ``out_dir`` holds none (for notebooks).

    Parameters
    ----------
    out_dir
        Run folder; default ``$SKO_RUN_DIR``, else ``out/notebook_run`` in the project.
    config
        Configuration to build with when the folder is empty (see :func:`notebook_config`).

    Returns
    -------
    FinishedRun
    """
    from layers.run_io import load_run

    out_dir = Path(out_dir or os.environ.get("SKO_RUN_DIR") or PROJECT_ROOT / "out" / "notebook_run")
    if not (out_dir / "run.json").exists():
        logger.info("No finished run in %s: building it", out_dir)
        run(notebook_config(config), out_dir=out_dir, maps=False)
    return load_run(out_dir)


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM: stop like Ctrl-C, so the staging folder is removed and the output folder kept."""
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 on bad input, configuration or an unusable output folder, 130 when
        interrupted (Ctrl-C or SIGTERM; the output folder is left as it was).
    """
    args = parse_args(argv)
    _setup_logging(args)
    # imports after logging so that slow imports are not silent and --help stays fast
    from geo.errors import SitingError
    from layers.config import config_from_osm, load_config
    from layers.sample import write_sample_region

    t0 = time.perf_counter()
    if args.draws is not None and args.draws < 0:
        print(f"error: --draws {args.draws}: the number of rank-stability draws must be 0 (none) or more.",
              file=sys.stderr)
        return 2
    main_thread = threading.current_thread() is threading.main_thread()
    previous_term = signal.signal(signal.SIGTERM, _terminate) if main_thread else None
    try:
        if args.config:
            cfg = load_config(args.config)
        elif args.osm_file:
            cfg = config_from_osm(args.osm_file)
        else:
            logger.info("No --config: using the generated SAMPLE region in %s", args.sample_dir)
            cfg = load_config(write_sample_region(args.sample_dir))
        outputs = run(cfg, out_dir=args.out, lang=args.lang, maps=not args.no_maps, draws=args.draws)
    except SitingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"interrupted: nothing was written; {args.out} is as it was.", file=sys.stderr)
        return 130
    except OSError as exc:
        where = exc.filename or args.out
        print(f"error: {where}: {exc.strerror or exc}. Check that the folder is writable and the disk has space "
              "(the output folder is as it was).", file=sys.stderr)
        return 2
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous_term)
    logger.info("Wrote %d files to %s in %.1f s", len(outputs), args.out, time.perf_counter() - t0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
