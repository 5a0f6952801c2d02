"""The run's steps (workflow.steps) and the analyst API (workflow.api): load_run → rescore → housing_map."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import build_maps
from geo.analysis import housing_stability, score_housing
from geo.errors import ConfigError
from workflow import housing_map, load_run, rescore, run_criteria

STAB = ["housing_p_top_district", "housing_p_top_oblast", "housing_rank_lo", "housing_rank_hi"]


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wf")
    assert build_maps.main(["--sample-dir", str(tmp / "sample"), "--out", str(tmp / "out"), "--no-maps",
                            "--draws", "300", "-q"]) == 0
    return tmp / "out"


def test_four_line_recipe(finished):
    run = load_run(finished)
    new = rescore(run, weights={"vacancies_45min": 30})
    m = housing_map(new)
    assert "SKO.init" in m.get_root().render()
    assert new.settlements["housing_score"].notna().sum() == run.settlements["housing_score"].notna().sum()


def test_rescore_with_the_runs_own_criteria_reproduces_it(finished):
    """The criteria stored in run.json reproduce the stored scores, ranks and stability exactly."""
    run = load_run(finished)
    same = rescore(run)
    a, b = run.settlements, same.settlements
    np.testing.assert_allclose(a["housing_score"], b["housing_score"], equal_nan=True, atol=1e-9)
    assert a["housing_rank"].equals(b["housing_rank"]) or np.allclose(a["housing_rank"], b["housing_rank"],
                                                                        equal_nan=True)
    for col in STAB:
        np.testing.assert_allclose(a[col].astype(float), b[col].astype(float), equal_nan=True, atol=1e-12)


def test_rescore_recomputes_rank_stability(finished):
    """Stability columns used to stay stale after a rescore (off by up to 0.55 on the sample)."""
    run = load_run(finished)
    crits, cons, meta = run_criteria(run)
    weights = {c.name: (c.weight * 4 if c.group == "jobs" else c.weight / 4) for c in crits}
    new = rescore(run, weights=weights)
    # independent: score and stability from the modified criteria, with the run's seed and parameters
    mod = [c.__class__(**{**c.__dict__, "weight": weights[c.name]}) for c in crits]
    base = run.settlements.drop(columns=[c for c in run.settlements.columns
                                         if c.startswith(("housing_", "norm_", "contrib_"))])
    scored, _ = score_housing(base, (mod, cons, meta))
    scoring = run.record["config_effective"]["scoring"]
    expect = housing_stability(base.join(scored), (mod, cons, meta), seasons=run.record["parameters"]["seasons"],
                               draws=300, concentration=scoring["stability_concentration"], seed=scoring["seed"],
                               top_n_district=scoring["shortlist_n"])
    for col in STAB:
        np.testing.assert_allclose(new.settlements[col].astype(float), expect[col].astype(float), equal_nan=True)
    moved = (new.settlements["housing_p_top_district"] - run.settlements["housing_p_top_district"]).abs().max()
    assert moved > 0.05, "the stability did not change with the weights: stale columns?"
    assert new.record["rescored"]["weights"] == weights


def test_rescore_without_draws_drops_stability(finished):
    new = rescore(load_run(finished), draws=0)
    assert not [c for c in STAB if c in new.settlements.columns]


def test_rescore_limits_and_unknown_names(finished):
    run = load_run(finished)
    new = rescore(run, limits={"tt_school_min": (5.0, 20.0)})
    crit = {c["name"]: c for c in new.record["criteria"]["housing"] if "name" in c}
    assert crit["tt_school_min"]["status"] == "used"
    with pytest.raises(ConfigError, match=r"unknown criteria 'tt_scool_min' \(did you mean 'tt_school_min'\?\)"):
        rescore(run, weights={"tt_scool_min": 2})


def test_tampered_criteria_are_refused(finished, tmp_path):
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(finished, copy)
    rec = json.loads((copy / "run.json").read_text(encoding="utf-8"))
    rec["criteria_definitions"]["housing"]["criteria"][0]["weight"] = 99
    (copy / "run.json").write_text(json.dumps(rec), encoding="utf-8")
    with pytest.raises(ConfigError, match="do not match their sha256"):
        run_criteria(load_run(copy))


def test_steps_refuse_a_wrong_order(finished):
    """Dairy siting needs the housing scores (the joint plan chooses villages by them)."""
    from geo.pipeline import Analysis
    from workflow.steps import Criteria, dairy_siting

    run = load_run(finished)
    st = run.settlements.drop(columns=[c for c in run.settlements.columns if c.startswith("housing_")])
    res = Analysis(settlements=st, network=None, od={}, facilities=pd.DataFrame(), crs="EPSG:32642")  # type: ignore[arg-type]
    crit = run_criteria(run)
    from layers.config import RunConfig

    cfg = RunConfig()
    with pytest.raises(RuntimeError, match="needs housing_scores first"):
        dairy_siting(res, Criteria(housing=crit, dairy=crit, files={}), siting=cfg.siting, dairy=cfg.dairy)


def test_steps_module_reads_in_data_flow_order():
    """One module shows the run's order: compute() calls the numbered steps 1..8 in sequence."""
    import inspect

    from workflow import steps

    src = inspect.getsource(steps.compute)
    order = ["load_layers(", "road_network(", "compute_indicators(", "housing_scores(", "rank_stability_step(",
             "dairy_siting(", "catchment_polygons(", "scenarios_step("]
    positions = [src.index(name) for name in order]
    assert positions == sorted(positions)


def test_a_criterion_on_a_misspelt_column_is_an_error(finished, tmp_path, capsys):
    """A typo used to drop a third of the weight with only a run.json note."""
    import re
    import shutil

    region = tmp_path / "sample"
    shutil.copytree(finished.parent / "sample", region)
    crit = (build_maps.PROJECT_ROOT / "regions" / "housing_criteria.toml").read_text(encoding="utf-8")
    crit = crit.replace('name = "tt_school_min"\n', 'name = "tt_school_min"\ncolumn = "tt_shcool_min"\n', 1)
    crit += '\n[[criterion]]\nname = "my_own"\ncolumn = "akimat_score"\nweight = 1\noptional = true\n'
    (region / "crit.toml").write_text(crit, encoding="utf-8")
    (region / "region.toml").write_text((region / "region.toml").read_text(encoding="utf-8")
                                        + '\n[scoring]\nhousing = "crit.toml"\n', encoding="utf-8")
    code = build_maps.main(["--config", str(region / "region.toml"), "--out", str(tmp_path / "o"), "--no-maps",
                            "--draws", "0", "-q"])
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("error")]
    assert code == 2 and len(err) == 1
    assert re.search(r"crit\.toml: criterion 'tt_school_min': column 'tt_shcool_min' is neither in the settlements "
                     r"table nor an indicator of the tool; did you mean 'tt_school_min'\?", err[0])
    assert "akimat_score" not in err[0]  # optional: may be absent


def test_one_snapping_per_run(monkeypatch, tmp_path):
    """Settlements and facilities are snapped once per run (travel times, OD tables and catchments reuse it)."""
    import geo.routing
    from layers.config import load_config
    from layers.sample import write_sample_region
    from workflow import steps

    calls = []
    real = geo.routing.attach_points

    def counting(net, points, **kw):
        calls.append(len(points))
        return real(net, points, **kw)

    monkeypatch.setattr(geo.routing, "attach_points", counting)
    import geo.analysis

    monkeypatch.setattr(geo.analysis, "attach_points", counting)
    cfg = load_config(write_sample_region(tmp_path / "s"))
    res = steps.compute(cfg, work_dir=tmp_path / "w", draws=0, scenarios=False)
    n_st, n_fac = len(res.region.settlements), len(res.region.facilities)
    n_cells = len(res.analysis.cells) if res.analysis.cells is not None else 0
    assert n_cells > 0
    # one snapping of settlements + facilities + farm-site cells; the milk plan snaps its farms and processors
    assert calls[0] == n_st + n_fac + n_cells
    assert sum(1 for c in calls if c >= n_st) == 1, calls
