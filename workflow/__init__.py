"""One run, step by step (:mod:`workflow.steps`), and the analyst API (:mod:`workflow.api`).

The four-line recipe::

    from workflow import load_run, rescore, housing_map
    run = load_run("out/sko")
    new = rescore(run, weights={"vacancies_45min": 20})
    housing_map(new)
"""

from workflow.api import ensure_run, housing_map, load_run, notebook_config, rank_table, rescore, run_criteria
from workflow.steps import RunResult, compute, run

__all__ = ["compute", "ensure_run", "housing_map", "load_run", "notebook_config", "rank_table", "rescore",
           "run", "run_criteria", "RunResult"]
