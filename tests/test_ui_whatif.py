"""The housing map's in-browser rescoring equals the Python rescoring (scores to 1e-9, same ranks)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


sys.path.insert(0, str(Path(__file__).resolve().parent))
import browser as B  # noqa: E402

pytestmark = pytest.mark.browser


def _python(sample_pages: Path, weights: dict[str, float], limits: dict[str, tuple[float, float]], no_centres: bool):
    from geo.scoring import Constraint, score
    from workflow import load_run, run_criteria

    from geo.scenarios import base_bounds

    run = load_run(sample_pages)
    crits, cons, _ = run_criteria(run)
    st = run.settlements.copy()
    # the page keeps the run's scale (min-max bounds of the run's scored villages), as scenarios do
    crits = base_bounds(crits, st, cons)
    crits = [dataclasses.replace(c, weight=weights.get(c.name, c.weight)) for c in crits]
    crits = [dataclasses.replace(c, lo=limits[c.name][0], hi=limits[c.name][1]) if c.name in limits else c
             for c in crits]
    if no_centres:
        cons = [*cons, Constraint(column="is_district_centre", op="==", value=1, reason_kk="-", reason_ru="-",
                                  reason_en="-")]
    st["is_district_centre"] = st["is_district_centre"].astype(float)
    return st, score(st, crits, constraints=cons, n_reasons=0)


@pytest.mark.parametrize("no_centres", [False, True])
def test_browser_rescoring_equals_python(sample_pages, ui_browser, no_centres):
    page, log = B.open_page(ui_browser, sample_pages / "housing.html")
    try:
        B.wait_ready(page)
        meta = page.evaluate("SKO.rescoreData.criteria.map(c => [c.name, c.weight, c.method, c.time, c.lo, c.hi])")
        names = [m[0] for m in meta]
        # new weights (points) for every criterion, one time limit moved by 15 minutes
        weights = {n: float(w) * (2.0 if i % 3 == 0 else 0.5) for i, (n, w, *_r) in enumerate(meta)}
        tt = next(m for m in meta if m[2] == "threshold" and m[3])
        limits = {tt[0]: (tt[4] + 15.0, tt[5] + 15.0)}
        rows = page.evaluate("(o) => SKO.applyRescore(o).map(r => [r.id, r.score, r.rank, r.rank_d])",
                             {"weights": weights, "limits": {k: list(v) for k, v in limits.items()},
                              "noCentres": no_centres})
        st, py = _python(sample_pages, weights, limits, no_centres)
        got = pd.DataFrame(rows, columns=["settlement_id", "score", "rank", "rank_d"]).set_index("settlement_id")
        expect = pd.DataFrame({"settlement_id": st["settlement_id"].astype(str).to_numpy(),
                               "score": py["housing_score"].to_numpy(dtype=float),
                               "rank": py["housing_rank"].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
                               "rank_d": py["housing_rank_district"].astype("Float64")
                               .to_numpy(dtype=float, na_value=np.nan)}).set_index("settlement_id")
        expect = expect.dropna(subset=["score"])
        assert sorted(got.index) == sorted(expect.index)
        np.testing.assert_allclose(got.loc[expect.index, "score"], expect["score"], atol=1e-9)
        assert (got.loc[expect.index, "rank"].to_numpy() == expect["rank"].to_numpy()).all()
        assert (got.loc[expect.index, "rank_d"].to_numpy() == expect["rank_d"].to_numpy()).all()
        import json

        record = json.loads((sample_pages / "run.json").read_text(encoding="utf-8"))["criteria"]["housing"]
        used = {c["name"] for c in record if c.get("status") == "used"}
        assert set(names) == used  # every criterion that counts has a slider, and only those
        csv = page.evaluate("SKO.rescoreCsv()")
        assert csv.startswith("\ufeffsettlement_id;name;district;score;rank;rank_district")
        assert len(csv.strip().splitlines()) == len(expect) + 1
        assert log.problems() == []
    finally:
        page.close()


@pytest.mark.parametrize("size", [(1366, 768), (1280, 720)])
def test_whatif_panel_opens_and_resets(sample_pages, ui_browser, size):
    page = ui_browser.new_page(viewport={"width": size[0], "height": size[1]})
    try:
        page.goto((sample_pages / "housing.html").resolve().as_uri() + "?lang=kk")
        B.wait_ready(page)
        page.click(".sko-whatif-toggle")
        page.locator(".sko-whatif .sko-wi-top li").first.wait_for(timeout=5000)
        first = page.inner_text(".sko-whatif .sko-wi-top li")
        page.check(".sko-whatif .sko-wi-centres")
        page.click(".sko-whatif .sko-wi-reset")
        assert page.inner_text(".sko-whatif .sko-wi-top li") == first
        box = page.locator(".sko-whatif").bounding_box()
        assert box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= size[0]
        page.screenshot(path=str(sample_pages.parent / f"whatif_{size[0]}.png"))
    finally:
        page.close()
