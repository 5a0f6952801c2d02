"""maps.split: output jobs shared with one forked child process."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from geo.errors import ConfigError
from maps.split import run_split

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def _writer(folder: Path, name: str):
    def job() -> list[Path]:
        path = folder / f"{name}.txt"
        path.write_text(f"{name} {os.getpid()}", encoding="utf-8")
        return [path]
    return job


def test_child_jobs_run_in_another_process_and_come_back_in_job_order(tmp_path: Path) -> None:
    jobs = {k: _writer(tmp_path, k) for k in ("a", "b", "c", "d")}
    done = run_split(jobs, child=("b", "d"))
    assert list(done) == ["a", "b", "c", "d"]
    assert done == {k: [tmp_path / f"{k}.txt"] for k in jobs}
    pids = {k: int((tmp_path / f"{k}.txt").read_text(encoding="utf-8").split()[1]) for k in jobs}
    assert pids["a"] == pids["c"] == os.getpid()
    assert pids["b"] == pids["d"] != os.getpid()


def test_no_child_jobs_run_here_in_order(tmp_path: Path) -> None:
    order: list[str] = []

    def job(name: str):
        def run() -> list[Path]:
            order.append(name)
            return []
        return run

    assert run_split({k: job(k) for k in ("x", "y", "z")}) == {"x": [], "y": [], "z": []}
    assert order == ["x", "y", "z"]


def test_the_child_computes_then_writes_and_its_timings_come_back(tmp_path: Path) -> None:
    """A child job may compute what the next one draws; what it adds to ``sync`` reaches this process."""
    timings: dict[str, float] = {"load": 1.5}
    shared: dict[str, int] = {}

    def compute() -> list[Path]:
        shared["value"] = 41 + 1
        timings["computed_in"] = float(os.getpid())
        return []

    def draw() -> list[Path]:
        path = tmp_path / "drawn.txt"
        path.write_text(str(shared["value"]), encoding="utf-8")
        return [path]

    def here() -> list[Path]:
        timings["load"] = 2.5  # set here meanwhile: the child's older copy must not replace it
        return _writer(tmp_path, "here")()

    done = run_split({"compute": compute, "here": here, "draw": draw}, child=("compute", "draw"), sync=timings)
    assert done == {"compute": [], "here": [tmp_path / "here.txt"], "draw": [tmp_path / "drawn.txt"]}
    assert (tmp_path / "drawn.txt").read_text(encoding="utf-8") == "42"
    assert "value" not in shared  # computed in the child's memory only
    assert timings["load"] == 2.5 and timings["computed_in"] not in (0.0, float(os.getpid()))


def test_a_failure_in_the_child_is_raised_here_with_its_type_and_message(tmp_path: Path) -> None:
    def bad() -> list[Path]:
        raise ConfigError("scenario 'x': broken")

    with pytest.raises(ConfigError, match="scenario 'x': broken"):
        run_split({"ok": _writer(tmp_path, "ok"), "bad": bad}, child=("bad",))
    assert (tmp_path / "ok.txt").exists()  # this process's own job ran meanwhile


def test_an_os_error_in_the_child_keeps_its_file_name(tmp_path: Path) -> None:
    def bad() -> list[Path]:
        (tmp_path / "missing" / "x.html").write_text("x")
        return []

    with pytest.raises(FileNotFoundError) as info:
        run_split({"bad": bad, "ok": _writer(tmp_path, "ok")}, child=("bad",))
    assert info.value.filename == str(tmp_path / "missing" / "x.html")


def test_a_failure_here_stops_the_child_at_once(tmp_path: Path) -> None:
    def slow() -> list[Path]:
        time.sleep(30)
        (tmp_path / "late.txt").write_text("x")
        return []

    def bad() -> list[Path]:
        raise ValueError("here")

    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="here"):
        run_split({"slow": slow, "bad": bad}, child=("slow",))
    assert time.perf_counter() - t0 < 10  # the child was ended and reaped, not waited for
    assert not (tmp_path / "late.txt").exists()


def test_an_interruption_while_waiting_for_the_child_stops_it(tmp_path: Path) -> None:
    """SIGTERM/Ctrl-C while this process waits for the child: the child is ended and reaped, nothing more is written."""
    import signal

    def slow() -> list[Path]:
        (tmp_path / "child.pid").write_text(str(os.getpid()))
        time.sleep(30)
        (tmp_path / "late.txt").write_text("x")
        return []

    def quick() -> list[Path]:
        return []

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.5)  # fires here while run_split reads the child's result
        t0 = time.perf_counter()
        with pytest.raises(KeyboardInterrupt):
            run_split({"slow": slow, "quick": quick}, child=("slow",))
        assert time.perf_counter() - t0 < 10
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    pid = int((tmp_path / "child.pid").read_text())
    with pytest.raises(ProcessLookupError):  # ended and reaped (a zombie would still answer)
        os.kill(pid, 0)
    assert not (tmp_path / "late.txt").exists()
