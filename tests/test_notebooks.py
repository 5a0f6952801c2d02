"""Execute every analyst notebook (jupytext py:percent sources) on the sample region; any error fails.

Each source is converted to a notebook in a temporary folder and run with nbclient (what nbmake uses), so
notebooks are committed without outputs and always executed.
"""

from __future__ import annotations

import os
from pathlib import Path

import jupytext
import nbclient
import pytest

#: Charts each notebook must render (matplotlib, as PNG).
CHARTS = {"02_scenarios": 1, "03_robustness": 1, "04_dairy_plan": 1}
NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.py"))


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("notebook_run") / "run"


def test_there_are_four_notebooks():
    assert [p.stem for p in NOTEBOOKS] == ["01_rerun_scoring", "02_scenarios", "03_robustness", "04_dairy_plan"]


@pytest.mark.parametrize("source", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(source, run_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("SKO_RUN_DIR", str(run_dir))
    monkeypatch.delenv("SKO_CONFIG", raising=False)
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend renders charts as PNG
    nb = jupytext.read(source)
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(source.parent)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    # the last cell of every notebook shows a result (a map, a chart or a table)
    last = [c for c in nb.cells if c.cell_type == "code"][-1]
    assert last.get("outputs"), f"{source.name}: last cell shows nothing"
    # every chart is rendered as an image, not as "<Figure size ...>" text
    shown = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if "data" in o]
    assert not [o for o in shown if "image/png" not in o["data"]
                and str(o["data"].get("text/plain", "")).startswith("<Figure")], f"{source.name}: chart as text"
    if source.stem in CHARTS:
        assert sum("image/png" in o["data"] for o in shown) >= CHARTS[source.stem], source.name
    os.environ.pop("SKO_RUN_DIR", None)
