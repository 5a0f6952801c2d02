"""The output folder is one unit: the previous run's or the new one, never a mix (hostile-input issue §5)."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import build_maps
from maps.outputs import OutputFolderError, atomic_write_text, staged_output

PROJECT = Path(__file__).resolve().parents[1]


def _previous_run(out: Path, files: dict[str, str]) -> None:
    out.mkdir(parents=True)
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
    (out / "run.json").write_text(json.dumps({"outputs": sorted(files)}), encoding="utf-8")


def _tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_bytes().decode("utf-8", "replace")
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_success_replaces_the_whole_folder(tmp_path):
    out = tmp_path / "out"
    _previous_run(out, {"a.csv": "old a", "maps.html": "old map"})
    with staged_output(out) as stage:
        atomic_write_text("new a", stage / "a.csv")
        atomic_write_text(json.dumps({"outputs": ["a.csv"]}), stage / "run.json")
    # the old map the new run did not write is gone; nothing hidden is left beside or inside
    assert _tree(out) == {"a.csv": "new a", "run.json": '{"outputs": ["a.csv"]}'}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert oct(out.stat().st_mode & 0o777) == oct(0o777 & ~_umask())
    assert oct((out / "a.csv").stat().st_mode & 0o777) == oct(0o644 & ~_umask())


def _umask() -> int:
    m = os.umask(0)
    os.umask(m)
    return m


@pytest.mark.parametrize("exc", [RuntimeError("boom"), KeyboardInterrupt()])
def test_failure_keeps_the_previous_folder_and_removes_staging(tmp_path, exc):
    out = tmp_path / "out"
    _previous_run(out, {"a.csv": "old a"})
    before = _tree(out)
    with pytest.raises(type(exc)), staged_output(out) as stage:
        atomic_write_text("half", stage / "a.csv")
        raise exc
    assert _tree(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_nested_run_folders_are_carried_over(tmp_path):
    out = tmp_path / "out"
    _previous_run(out, {"a.csv": "old"})
    _previous_run(out / "sko", {"s.csv": "sko run"})
    with staged_output(out) as stage:
        atomic_write_text("{}", stage / "run.json")
    assert _tree(out / "sko") == {"run.json": '{"outputs": ["s.csv"]}', "s.csv": "sko run"}
    assert not (out / "a.csv").exists()


@pytest.mark.parametrize(
    ("setup", "match"),
    [
        (lambda out: out.write_text("x"), r"is a file, not a folder"),
        (lambda out: (out.mkdir(), (out / "notes.txt").write_text("mine")), r"holds notes\.txt, which no run .*no run\.json"),
    ],
)
def test_unusable_output_folder_is_refused(tmp_path, setup, match):
    out = tmp_path / "out"
    setup(out)
    with pytest.raises(OutputFolderError, match=match), staged_output(out):
        pass


def test_staging_of_a_killed_run_is_removed(tmp_path):
    out = tmp_path / "out"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".out.staging-{dead.pid}-abc"
    stale.mkdir()
    (stale / "x.csv").write_text("half")
    with staged_output(out) as stage:
        atomic_write_text("{}", stage / "run.json")
    assert not stale.exists()


def test_cli_no_maps_rerun_leaves_no_stale_maps(tmp_path):
    sample = tmp_path / "sample"
    out = tmp_path / "out"
    assert build_maps.main(["--sample-dir", str(sample), "--out", str(out), "--draws", "0", "-q"]) == 0
    assert (out / "housing.html").is_file()
    assert build_maps.main(["--sample-dir", str(sample), "--out", str(out), "--draws", "0", "--no-maps", "-q"]) == 0
    assert not list(out.glob("*.html"))
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert sorted(p.name for p in out.iterdir()) == sorted({"run.json", *run["outputs"]})


def test_cli_out_is_a_file_and_negative_draws(tmp_path, capsys):
    f = tmp_path / "out"
    f.write_text("x")
    assert build_maps.main(["--sample-dir", str(tmp_path / "s"), "--out", str(f), "-q"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is a file" in err[0]
    assert build_maps.main(["--out", str(tmp_path / "o"), "--draws", "-5", "-q"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--draws -5" in err[0]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into a read-only folder")
def test_cli_read_only_parent(tmp_path, capsys):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        code = build_maps.main(["--sample-dir", str(tmp_path / "s"), "--out", str(ro / "out"), "-q"])
    finally:
        ro.chmod(0o700)
    assert code == 2
    assert "Permission denied" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("err", "text"),
    [(errno.ENOSPC, "No space left on device"), (errno.EACCES, "Permission denied"), (errno.EROFS, "Read-only")],
)
def test_cli_write_failures_are_one_line(tmp_path, capsys, monkeypatch, err, text):
    """A full disk or an unwritable folder while writing: one line naming the file, exit 2, previous output kept."""
    import maps.report

    sample = tmp_path / "sample"
    out = tmp_path / "out"
    assert build_maps.main(["--sample-dir", str(sample), "--out", str(out), "--draws", "0", "--no-maps", "-q"]) == 0
    before = _tree(out)

    def _fail(region, result, folder, **kwargs):
        raise OSError(err, os.strerror(err), str(Path(folder) / "settlements.gpkg"))

    monkeypatch.setattr(maps.report, "write_outputs", _fail)
    code = build_maps.main(["--sample-dir", str(sample), "--out", str(out), "--draws", "0", "-q"])
    lines = [ln for ln in capsys.readouterr().err.strip().splitlines() if " WARNING " not in ln]
    assert code == 2
    assert len(lines) == 1 and text in lines[0] and f"{out}/settlements.gpkg" in lines[0], lines
    assert _tree(out) == before
    assert not list(tmp_path.glob(".out.staging-*"))


def test_cli_sigterm_exits_130_and_keeps_previous_output(tmp_path):
    """A run stopped by SIGTERM (like Ctrl-C) removes its staging and leaves the previous output intact."""
    sample = tmp_path / "sample"
    out = tmp_path / "out"
    assert build_maps.main(["--sample-dir", str(sample), "--out", str(out), "--draws", "0", "--no-maps", "-q"]) == 0
    before = _tree(out)
    proc = subprocess.Popen(
        [sys.executable, str(PROJECT / "build_maps.py"), "--sample-dir", str(sample), "--out", str(out),
         "--draws", "3000", "-q"],
        stderr=subprocess.PIPE, text=True, cwd=PROJECT,
    )
    # wait until its staging folder exists, then stop it
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".out.staging-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(tmp_path.glob(".out.staging-*")), "the run never started staging"
    assert proc.poll() is None, "the run ended before it could be stopped"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1].startswith("interrupted")
    assert "Traceback" not in err
    assert _tree(out) == before
    assert not list(tmp_path.glob(".out.staging-*"))


def test_cli_stop_swallowed_by_a_library_still_stops_before_publishing(tmp_path, capsys, monkeypatch):
    """SIGTERM whose KeyboardInterrupt a library swallowed (a finaliser or C callback it interrupted):
    the run still exits 130 and publishes nothing."""
    import workflow.steps

    sample = tmp_path / "sample"
    out = tmp_path / "out"
    assert build_maps.main(["--sample-dir", str(sample), "--out", str(out), "--draws", "0", "--no-maps", "-q"]) == 0
    before = _tree(out)
    real_compute = workflow.steps.compute
    swallowed = []

    def compute_then_swallow(*args, **kwargs):
        res = real_compute(*args, **kwargs)
        try:  # what "Exception ignored in: <__del__>" does with the signal handler's exception
            build_maps._terminate(signal.SIGTERM, None)
        except KeyboardInterrupt:
            swallowed.append(True)
        return res

    monkeypatch.setattr(workflow.steps, "compute", compute_then_swallow)
    assert build_maps.main(["--sample-dir", str(sample), "--out", str(out), "--draws", "0", "-q"]) == 130
    assert swallowed == [True]
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith("interrupted")
    assert _tree(out) == before
    assert not list(tmp_path.glob(".out.staging-*"))
    # the request does not outlive its run: the next run in the same process publishes
    monkeypatch.setattr(workflow.steps, "compute", real_compute)
    assert build_maps.main(["--sample-dir", str(sample), "--out", str(out), "--draws", "0", "-q"]) == 0
    assert _tree(out) != before


def test_cli_internal_error_is_one_line_and_keeps_output(tmp_path, capsys, monkeypatch):
    import maps.report

    sample = tmp_path / "sample"
    out = tmp_path / "out"
    assert build_maps.main(["--sample-dir", str(sample), "--out", str(out), "--draws", "0", "--no-maps", "-q"]) == 0
    before = _tree(out)

    def _bug(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(maps.report, "write_outputs", _bug)
    assert build_maps.main(["--sample-dir", str(sample), "--out", str(out), "--draws", "0", "-q"]) == 1
    lines = [ln for ln in capsys.readouterr().err.strip().splitlines() if " WARNING " not in ln]
    assert len(lines) == 1 and lines[0].startswith("internal error: ZeroDivisionError: division by zero")
    assert _tree(out) == before
    with pytest.raises(ZeroDivisionError):
        build_maps.main(["--sample-dir", str(sample), "--out", str(out), "--draws", "0", "-q", "-v"])
