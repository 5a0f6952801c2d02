"""Command line: build accessibility scores, housing shortlists, dairy sites and offline maps.

The run itself (its steps in order) is :mod:`workflow.steps`; this module only parses arguments,
sets up logging and turns errors into one line and an exit status.

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
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

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
    p.add_argument("--config", type=Path, help="run configuration TOML (see docs/CONFIG.md)")
    p.add_argument("--osm-file", type=Path,
                   help="an OSM extract (.osm, .osm.bz2, .osm.pbf) with roads, places and amenities; with --config, "
                        "its roads, places and amenities replace the config's (clipped to the config's region)")
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
    p.add_argument("--processes", type=int, choices=(1, 2), default=2,
                   help="processes writing the outputs (default 2: a second process makes the catchments and "
                        "writes the tables, two maps and half the village pages meanwhile; 1: one process)")
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


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM and Ctrl-C: stop, so the staging folder is removed and the output folder kept.

    The request is also recorded (:mod:`workflow.stop`): if a library swallows this
    KeyboardInterrupt (a finaliser or C callback it happened to interrupt), the run still stops
    before it publishes anything.
    """
    from workflow.stop import request_stop  # already imported by then: a dictionary lookup

    request_stop()
    raise KeyboardInterrupt


def template_main(argv: Sequence[str]) -> int:
    """``build_maps.py template --config X.toml --out villages.xlsx``: the akimats' village workbook."""
    p = argparse.ArgumentParser(prog="build_maps.py template",
                                description="Write the empty village data workbook for akimats (one row per "
                                            "settlement, documented columns in kk/ru/en).")
    p.add_argument("--config", type=Path, required=True, help="run configuration TOML")
    p.add_argument("--out", type=Path, required=True, help="the .xlsx file to write")
    args = p.parse_args(argv)
    _setup_logging(argparse.Namespace(quiet=True, verbose=False))
    import tempfile

    from geo.categories import settlement_categories
    from geo.errors import SitingError
    from layers.config import load_config
    from layers.region import load_region
    from layers.workbook import write_template
    from workflow.steps import region_crs

    try:
        cfg = load_config(args.config)
        with tempfile.TemporaryDirectory(prefix="sko-template-") as tmp:
            region = load_region(cfg, work_dir=Path(tmp))
        st = region.settlements
        cats = settlement_categories(st, crs=region_crs(region, cfg.region), radius_km=cfg.scoring.cluster_radius_km,
                                     support_min_population=cfg.scoring.support_min_population)
        write_template(st.assign(settlement_category=cats["settlement_category"].to_numpy()), args.out)
    except SitingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc.filename or args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.out} ({len(st)} settlements)")
    return 0


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
        interrupted (Ctrl-C or SIGTERM; the output folder is left as it was), 1 on an internal error
        (one line; ``-v`` shows the traceback).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["template"]:
        return template_main(argv[1:])
    args = parse_args(argv)
    _setup_logging(args)
    # imports after logging so that slow imports are not silent and --help stays fast
    from geo.errors import SitingError
    from layers.config import config_from_osm, load_config, with_osm_file
    from layers.sample import write_sample_region
    from workflow.steps import run
    from workflow.stop import clear_stop

    t0 = time.perf_counter()
    if args.draws is not None and args.draws < 0:
        print(f"error: --draws {args.draws}: the number of rank-stability draws must be 0 (none) or more.",
              file=sys.stderr)
        return 2
    main_thread = threading.current_thread() is threading.main_thread()
    clear_stop()
    previous = {sig: signal.signal(sig, _terminate) for sig in (signal.SIGTERM, signal.SIGINT)} if main_thread else {}
    try:
        if args.config and args.osm_file:
            cfg = with_osm_file(load_config(args.config), args.osm_file)
        elif args.config:
            cfg = load_config(args.config)
        elif args.osm_file:
            cfg = config_from_osm(args.osm_file)
        else:
            logger.info("No --config: using the generated SAMPLE region in %s", args.sample_dir)
            cfg = load_config(write_sample_region(args.sample_dir))
        outputs = run(cfg, out_dir=args.out, lang=args.lang, maps=not args.no_maps, draws=args.draws,
                      processes=args.processes)
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
    except Exception as exc:  # a bug, not bad input: one line (the traceback with -v), the output folder kept
        if args.verbose:
            raise
        print(f"internal error: {type(exc).__name__}: {exc}. The output folder is as it was. Please report this "
              "with the command you ran; rerun with -v for the details.", file=sys.stderr)
        return 1
    finally:
        for sig, handler in previous.items():
            if handler is not None:  # None: installed from C, cannot be restored from Python
                signal.signal(sig, handler)
    logger.info("Wrote %d files to %s in %.1f s", len(outputs), args.out, time.perf_counter() - t0)
    return 0


def exit_now(code: int) -> None:
    """End the process with ``code`` without the interpreter's teardown (the run is over).

    By then the outputs are published (or the failure reported) and nothing is left to do; freeing
    every table, array and loaded library one by one took ~0.4 s of the bench run's wall time
    (``benchmarks/bench_run.py``). Logs and the standard streams are flushed first.
    """
    import os

    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said
            pass
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())
