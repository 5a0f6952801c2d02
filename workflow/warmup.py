"""Compile and cache the numba kernels once, at install time (``python -m workflow.warmup``).

The shortest-path kernels (:mod:`geo.fastpath`) are compiled on first use and cached on disk
(``cache=True``, in ``geo/__pycache__``). Without this step the first real run of a fresh checkout pays
the compilation; ``make`` runs it right after installing, on a tiny generated sample region that goes
through the same computing steps as a real run (no outputs are written).
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from pathlib import Path

logger = logging.getLogger(__name__)


def warm_up() -> float:
    """Run the computing steps once on a small sample region; return the seconds it took."""
    from layers.config import load_config
    from layers.sample import write_sample_region
    from workflow.steps import compute

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sko-warmup-") as tmp:
        cfg = load_config(write_sample_region(Path(tmp) / "sample"))
        compute(cfg, work_dir=Path(tmp) / "work", draws=0, scenarios=False)
    return time.perf_counter() - t0


def main() -> int:
    """Warm the kernel cache; print one line."""
    logging.basicConfig(level=logging.WARNING)
    try:
        import numba  # noqa: F401
    except ImportError:
        print("numba is not installed: nothing to compile (the scipy engine is used)")
        return 0
    seconds = warm_up()
    print(f"numba kernels compiled and cached in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
