"""Benchmark the exact location-allocation solvers (geo.allocation, geo.joint) against spopt on the same matrix.

Run from the project root::

    .venv/bin/python benchmarks/bench_allocation.py              # real SKO matrix (regions/sko.toml), ~5 min
    .venv/bin/python benchmarks/bench_allocation.py --synthetic  # 611 x 579 synthetic matrix, no data needed
    options: --k 10, --skip-spopt-uncut (spopt on the uncut p-median takes minutes), --time-limit 600

The SKO matrix is the run's own: winter minutes from every settlement to every site with a dairy
score (plus the existing farms, kept open), the OD cut at 90 minutes as in a run, and the same
matrix uncut (no cutoff) for the p-median. Unreachable pairs are handled explicitly:

- p-median: ours prices a village served by no open site at ``unreachable_cost`` (2 x 90 = 180 min,
  as ``site_dairy``); spopt gets the same matrix with unreachable pairs (and pairs dearer than the
  price) set to the price, which is the same model, so the optima must agree;
- MCLP: spopt gets unreachable pairs as 10^6 minutes (never within the radius).

Each row prints the objective of both, their relative difference (must be <= 1e-6, else the script
exits 1), ours' status and proven gap, the wall time of each (spopt: building its PuLP model plus
CBC; ours: building the sparse model, the heuristic warm start and the HiGHS/CBC solve) and the ratio
spopt / ours. Timings are single runs on a shared machine (vary +-20 %).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pulp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo.allocation import UNREACHABLE_COST_FACTOR, mclp, p_median  # noqa: E402
from geo.joint import joint_plan  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OD_CUTOFF = 90.0
REL_TOL = 1e-6


def sko_matrices() -> dict:
    """The SKO run's winter matrices (cut at 90 min and uncut), workers, existing farms, housing inputs."""
    from geo.allocation import cost_matrix_from_od
    from geo.routing import od_table
    from layers.config import load_config
    from workflow.steps import compute

    cfg = load_config(ROOT / "regions" / "sko.toml")
    t = time.perf_counter()
    res = compute(cfg, work_dir=Path("/tmp/bench_allocation_work"), draws=0, scenarios=False)
    a = res.analysis
    assert a.dairy_sites is not None and a.attached is not None, "the SKO run computes both"
    st = a.settlements
    vids = [str(v) for v in st["settlement_id"]]
    plan = a.plan or {}
    existing = [s.removeprefix("site:") for s in (plan.get("notes") or {}).get("existing_farms", [])]
    scored = a.dairy_sites.sort_values("dairy_rank")
    sites = list(dict.fromkeys([str(s) for s in scored.loc[scored["dairy_score"].notna(), "settlement_id"]]
                               + existing))
    cut = cost_matrix_from_od(a.od["winter"], from_ids=vids, to_ids=sites)
    ids = ["s:" + v for v in vids]
    od = od_table(a.attached, season="winter", origin_ids=ids, dest_ids=ids, cutoff_min=None)
    for col in ("from_id", "to_id"):
        od[col] = od[col].astype(str).str.removeprefix("s:")
    uncut = cost_matrix_from_od(od, from_ids=vids, to_ids=sites)
    workers = st["population"].fillna(0.0).to_numpy() * cfg.siting.working_age_share
    print(f"SKO matrices built in {time.perf_counter() - t:.1f} s (full run without scenarios + uncut OD)")
    return {"name": "SKO", "cut": cut, "uncut": uncut, "workers": workers, "fixed": existing,
            "housing_score": st["housing_score"].to_numpy(), "siting": cfg.siting}


def synthetic_matrices(n_v: int = 611, n_s: int = 579, seed: int = 0) -> dict:
    """Villages and sites on a 500 x 400 km oblast, minutes = 1.3 x straight line at 60 km/h."""
    rng = np.random.default_rng(seed)
    xy_v = rng.uniform(0, [500, 400], (n_v, 2))
    xy_s = xy_v[rng.choice(n_v, n_s, replace=False)] + rng.normal(0, 0.5, (n_s, 2))
    minutes = 1.3 * np.linalg.norm(xy_v[:, None] - xy_s[None], axis=2) / 60.0 * 60.0
    vids = [f"v{i}" for i in range(n_v)]
    sids = [f"s{j}" for j in range(n_s)]
    uncut = pd.DataFrame(minutes, index=vids, columns=sids)
    cut = uncut.where(uncut <= OD_CUTOFF)
    workers = np.rint(rng.lognormal(5.5, 1.0, n_v) * 0.6)
    return {"name": "synthetic", "cut": cut, "uncut": uncut, "workers": workers, "fixed": [],
            "housing_score": rng.uniform(0, 100, n_v), "siting": None}


def _spopt_pmedian(filled: np.ndarray, w: np.ndarray, p: int, pre: np.ndarray | None) -> tuple[float, float, float]:
    from spopt.locate import PMedian

    t = time.perf_counter()
    model = PMedian.from_cost_matrix(filled, w, p_facilities=p, predefined_facilities_arr=pre)
    built = time.perf_counter() - t
    model.solve(pulp.PULP_CBC_CMD(msg=False))
    return float(pulp.value(model.problem.objective)), built, time.perf_counter() - t


def _spopt_mclp(far: np.ndarray, w: np.ndarray, radius: float, p: int,
                pre: np.ndarray | None) -> tuple[float, float, float]:
    from spopt.locate import MCLP

    t = time.perf_counter()
    model = MCLP.from_cost_matrix(far, w, service_radius=radius, p_facilities=p, predefined_facilities_arr=pre)
    built = time.perf_counter() - t
    model.solve(pulp.PULP_CBC_CMD(msg=False))
    return float(pulp.value(model.problem.objective)), built, time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--synthetic", action="store_true", help="synthetic 611 x 579 instance instead of SKO")
    ap.add_argument("--k", type=int, default=10, help="new sites to open (default 10, SKO [siting] k)")
    ap.add_argument("--time-limit", type=float, default=600.0, help="solver time limit, s")
    ap.add_argument("--skip-spopt-uncut", action="store_true", help="do not run spopt on the uncut p-median")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    data = synthetic_matrices() if args.synthetic else sko_matrices()
    cut, uncut, w = data["cut"], data["uncut"], np.asarray(data["workers"], dtype=float)
    fixed = [f for f in data["fixed"] if f in cut.columns]
    pre = cut.columns.isin(fixed) if fixed else None
    k, tl = args.k, args.time_limit
    p_total = k + len(fixed)
    price = UNREACHABLE_COST_FACTOR * OD_CUTOFF
    n_v, n_s = cut.shape
    print(f"{data['name']}: {n_v} villages x {n_s} candidate sites ({len(fixed)} existing, kept open), k = {k}; "
          f"reachable pairs within {OD_CUTOFF:g} min: {int(cut.notna().to_numpy().sum()):,}; "
          f"villages reaching no site: {int((~cut.notna().any(axis=1)).sum())}")
    rows = []
    failed = False

    def row(case: str, ours: Any, sp: tuple[float, float, float] | None) -> None:
        nonlocal failed
        if sp is None:
            rows.append([case, ours.solver, ours.status, f"{ours.gap:.1e}", f"{ours.objective:,.1f}", "-", "-",
                         f"{ours.runtime_s:.2f}", "-", "-"])
            return
        rel = abs(ours.objective - sp[0]) / max(abs(sp[0]), 1e-12)
        failed |= rel > REL_TOL
        rows.append([case, ours.solver, ours.status, f"{ours.gap:.1e}", f"{ours.objective:,.1f}", f"{sp[0]:,.1f}",
                     f"{rel:.1e}", f"{ours.runtime_s:.2f}", f"{sp[2]:.2f} ({sp[1]:.2f} build)",
                     f"{sp[2] / max(ours.runtime_s, 1e-9):.1f}x"])

    # p-median on the run's matrix (cut at 90 min), unreachable priced
    cm = cut.to_numpy(dtype=float)
    filled = np.where(np.isfinite(cm) & (cm < price), cm, price)
    for solver in ("highs", "cbc"):
        res = p_median(cut, w, k=k, fixed=fixed, unreachable_cost=price, solver=solver, time_limit_s=tl)
        sp = _spopt_pmedian(filled, w, p_total, pre) if solver == "highs" else None
        row(f"p-median, OD cut at {OD_CUTOFF:g} min, unreachable {price:g} min", res, sp)
    heur = p_median(cut, w, k=k, fixed=fixed, unreachable_cost=price, solver="heuristic", time_limit_s=tl)
    row("  same, greedy+interchange heuristic (LP bound)", heur, None)
    # p-median on the uncut matrix
    um = uncut.to_numpy(dtype=float)
    res = p_median(uncut, w, k=k, fixed=fixed, solver="highs", time_limit_s=tl)
    u_price = res.parameters["unreachable_cost"]
    sp = None if args.skip_spopt_uncut else _spopt_pmedian(np.where(np.isfinite(um) & (um < u_price), um, u_price),
                                                            w, p_total, pre)
    row("p-median, uncut matrix", res, sp)
    # MCLP 45 min (the run's commute limit)
    radius = 45.0
    far = np.where(np.isfinite(cm), cm, 1e6)
    for solver in ("highs", "cbc"):
        res = mclp(cut, w, k=k, cutoff=radius, fixed=fixed, solver=solver, time_limit_s=tl)
        row(f"MCLP {radius:g} min", res, _spopt_mclp(far, w, radius, p_total, pre) if solver == "highs" else None)
    # no spopt counterpart: capacitated MCLP (45 jobs per farm) and the joint housing-jobs plan
    for solver in ("highs", "cbc"):
        row("capacitated MCLP 45 min, 45 jobs per site", mclp(cut, w, k=k, cutoff=radius, fixed=fixed,
                                                             capacity=45.0, solver=solver, time_limit_s=tl), None)
    score = pd.Series(data["housing_score"], index=cut.index)
    ok = score.notna().to_numpy()
    v_ids = list(cut.index[ok])
    for solver in ("highs", "cbc"):
        t = time.perf_counter()
        jp = joint_plan(cut.loc[v_ids], village_ids=v_ids, site_ids=list(cut.columns), homes_demand=10.0,
                        workers=pd.Series(w, index=cut.index).loc[v_ids], jobs_per_farm=45.0, k_farms=k,
                        n_housing=20, min_jobs=20.0, commute_min=45.0, fixed_farms=fixed,
                        housing_score=score.loc[v_ids], solver=solver, time_limit_s=tl)
        summary = SimpleNamespace(solver=jp.solver, status=jp.status, gap=jp.gap, objective=jp.objective,
                                  runtime_s=time.perf_counter() - t)
        row(f"joint housing-jobs plan ({len(v_ids)} villages, 20 housing, J = 20)", summary, None)
    head = ["case", "ours", "status", "gap", "objective (ours)", "objective (spopt)", "rel. diff", "ours s",
            "spopt+CBC s", "spopt / ours"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(r) + " |")
    if failed:
        print(f"MISMATCH: an objective differs from spopt's by more than {REL_TOL:g} (relative)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
