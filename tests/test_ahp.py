"""AHP weights and consistency ratio (geo/ahp.py).

Reference values
----------------
Saaty, T. L. (1980) *The Analytic Hierarchy Process*, McGraw-Hill: weights are the principal
eigenvector, CI = (lambda_max - n)/(n - 1), CR = CI/RI with RI(3) = 0.58, RI(4) = 0.90,
RI(5) = 1.12, and CR <= 0.1 acceptable. For n = 3 the principal eigenvector equals the
normalised geometric means of the rows and lambda_max = 1 + c^(1/3) + c^(-1/3) with
c = a12 * a23 / a13 (a standard textbook closed form), which gives for the classic matrix
[[1, 3, 5], [1/3, 1, 3], [1/5, 1/3, 1]] the familiar published answer
w = (0.637, 0.258, 0.105), lambda_max = 3.039, CR = 0.033.
"""

from __future__ import annotations

import numpy as np
import pytest

from geo.ahp import SAATY_RI, ahp_weights, weights_from_ahp
from geo.errors import ConfigError
from geo.scoring import Criterion

CLASSIC = [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]


def test_textbook_3x3_weights_and_cr() -> None:
    w, cr = ahp_weights(CLASSIC, ["jobs", "services", "climate"])
    np.testing.assert_allclose(w.to_numpy(), [0.637, 0.258, 0.105], atol=5e-4)
    assert cr == pytest.approx(0.033, abs=5e-4)
    # closed forms: geometric means and lambda_max = 1 + c^(1/3) + c^(-1/3)
    gm = np.prod(np.array(CLASSIC), axis=1) ** (1 / 3)
    np.testing.assert_allclose(w.to_numpy(), gm / gm.sum(), rtol=1e-10)
    c = 3 * 3 / 5
    lam = 1 + c ** (1 / 3) + c ** (-1 / 3)
    assert cr == pytest.approx((lam - 3) / 2 / 0.58, rel=1e-10)
    assert list(w.index) == ["jobs", "services", "climate"]
    assert w.sum() == pytest.approx(1.0)


def test_consistent_4x4_recovers_weights_with_zero_cr() -> None:
    true = np.array([0.4, 0.3, 0.2, 0.1])
    a = true[:, None] / true[None, :]
    w, cr = ahp_weights(a, list("abcd"))
    np.testing.assert_allclose(w.to_numpy(), true, rtol=1e-10)
    assert cr == pytest.approx(0.0, abs=1e-12)


def test_5x5_matches_power_iteration_oracle() -> None:
    a = np.array([
        [1, 2, 3, 5, 4],
        [1 / 2, 1, 2, 3, 3],
        [1 / 3, 1 / 2, 1, 2, 2],
        [1 / 5, 1 / 3, 1 / 2, 1, 1],
        [1 / 4, 1 / 3, 1 / 2, 1, 1],
    ])
    w, cr = ahp_weights(a, list("abcde"))
    v = np.ones(5)
    for _ in range(500):
        v = a @ v
        v /= v.sum()
    lam = float((a @ v / v).mean())
    np.testing.assert_allclose(w.to_numpy(), v, rtol=1e-9)
    assert cr == pytest.approx((lam - 5) / 4 / SAATY_RI[5], rel=1e-7)
    assert cr < 0.1


def test_inconsistent_matrix_refused_naming_worst_pair() -> None:
    # a > b (9), b > c (9) but c > a (9): a cycle
    cyc = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]
    with pytest.raises(ConfigError, match=r"consistency ratio \d+\.\d+ exceeds 0\.1.*Most inconsistent pair: "):
        ahp_weights(cyc, ["jobs", "school", "climate"])
    # one bad judgement in an otherwise consistent 4x4: d vs a given 7 where weights say 1/4
    true = np.array([0.4, 0.3, 0.2, 0.1])
    a = true[:, None] / true[None, :]
    a[3, 0], a[0, 3] = 7.0, 1 / 7
    with pytest.raises(ConfigError, match=r"Most inconsistent pair: d vs a \(given 7"):
        ahp_weights(a, list("abcd"))
    w, cr = ahp_weights(a, list("abcd"), max_cr=float("inf"))
    assert cr > 0.1


@pytest.mark.parametrize(
    ("matrix", "names", "match"),
    [
        ([[1, 2], [1 / 2, 1], [1, 1]], ["a", "b"], r"must be square"),
        ([[1, 2], [1 / 2, 1]], ["a", "b", "c"], r"2x2 but 3 names"),
        ([[1, 2], [2, 1]], ["a", "b"], r"a vs b = 2 but b vs a = 2 \(must be its reciprocal 0\.5\)"),
        ([[1, -2], [-0.5, 1]], ["a", "b"], r"positive number"),
        ([[2, 2], [0.5, 1]], ["a", "b"], r"diagonal entry a vs a is 2"),
        ([[1, 2], [0.5, 1]], ["a", "a"], r"names must be unique"),
    ],
)
def test_invalid_matrices(matrix: list[list[float]], names: list[str], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        ahp_weights(matrix, names)


def test_rounded_reciprocals_accepted() -> None:
    w, _ = ahp_weights([[1, 3], [0.333, 1]], ["a", "b"])
    assert w["a"] == pytest.approx(0.75, abs=1e-3)


def _crit() -> list[Criterion]:
    return [
        Criterion(name="v30", column="v30", group="jobs", weight=1.0),
        Criterion(name="v45", column="v45", group="jobs", weight=3.0),
        Criterion(name="school", column="school", group="services", weight=5.0),
        Criterion(name="gas", column="gas", group="housing", weight=0.0, method="boolean"),
    ]


def test_weights_from_ahp_groups_share_by_configured_weights() -> None:
    new, w, cr = weights_from_ahp(_crit(), [[1, 3], [1 / 3, 1]], ["jobs", "services"])
    weights = {c.name: c.weight for c in new}
    assert weights == pytest.approx({"v30": 0.1875, "v45": 0.5625, "school": 0.25, "gas": 0.0})
    assert cr == 0.0


def test_weights_from_ahp_criterion_names_and_errors() -> None:
    new, _, _ = weights_from_ahp(_crit(), CLASSIC, ["v45", "v30", "school"])
    assert [round(c.weight, 3) for c in new] == [0.258, 0.637, 0.105, 0.0]
    with pytest.raises(ConfigError, match=r"AHP names omit weighted criteria \['school'\]"):
        weights_from_ahp(_crit(), [[1, 3], [1 / 3, 1]], ["v45", "v30"])
    with pytest.raises(ConfigError, match=r"mix criterion names and group names"):
        weights_from_ahp(_crit(), [[1, 3], [1 / 3, 1]], ["v45", "jobs"])
    with pytest.raises(ConfigError, match=r"AHP names \['roads'\] are neither criterion names nor criterion groups"):
        weights_from_ahp(_crit(), [[1, 3], [1 / 3, 1]], ["roads", "jobs"])


def test_saaty_drinks_textbook_example():
    """Saaty's relative consumption of drinks in the United States (Saaty 1980, 'The Analytic Hierarchy
    Process'; also in Saaty 1990, EJOR 48:9-26): published weights water .327, soda .190, coffee .177,
    milk .129, beer .116, tea .042, wine .019 and CR .022 (Saaty's random index)."""
    names = ["coffee", "wine", "tea", "beer", "soda", "milk", "water"]
    upper = {
        ("coffee", "wine"): 9, ("coffee", "tea"): 5, ("coffee", "beer"): 2, ("coffee", "soda"): 1,
        ("coffee", "milk"): 1, ("coffee", "water"): 1 / 2,
        ("wine", "tea"): 1 / 3, ("wine", "beer"): 1 / 9, ("wine", "soda"): 1 / 9, ("wine", "milk"): 1 / 9,
        ("wine", "water"): 1 / 9,
        ("tea", "beer"): 1 / 3, ("tea", "soda"): 1 / 4, ("tea", "milk"): 1 / 3, ("tea", "water"): 1 / 9,
        ("beer", "soda"): 1 / 2, ("beer", "milk"): 1, ("beer", "water"): 1 / 3,
        ("soda", "milk"): 2, ("soda", "water"): 1 / 2,
        ("milk", "water"): 1 / 3,
    }
    m = np.ones((7, 7))
    for (a, b), v in upper.items():
        i, j = names.index(a), names.index(b)
        m[i, j], m[j, i] = v, 1 / v
    weights, cr = ahp_weights(m, names)
    published = {"water": 0.327, "soda": 0.190, "coffee": 0.177, "milk": 0.129, "beer": 0.116, "tea": 0.042,
                 "wine": 0.019}
    assert {k: round(float(weights[k]), 3) for k in published} == published
    assert round(cr, 3) == 0.022
