"""The kink judge's linear programs (gradcheck/engine/lp.py): what linprog returns, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog

from gradcheck.engine import lp


@pytest.fixture(autouse=True)
def nothing_solved_yet(monkeypatch):
    """Each test meets its programs for the first time (the module keeps what it solved)."""
    monkeypatch.setattr(lp, "_SOLVED", {})


def _hull_problem(rng: np.random.Generator, sets: int):
    """A nearest-point-in-hulls program as kinks.py builds it (max-norm, weights per set)."""
    k, m = int(rng.integers(3, 7)), int(rng.integers(1, 9))
    pieces = rng.normal(size=(k, m))
    pieces[rng.random(size=pieces.shape) < 0.2] = 0.0
    target = rng.normal(size=m) * rng.choice([0.1, 1.0, 5.0]) / 0.5
    scaled = pieces / 0.5
    c = np.zeros(k + 1)
    c[-1] = 1.0
    a_ub = np.vstack([np.hstack([-scaled.T, -np.ones((m, 1))]),
                      np.hstack([scaled.T, -np.ones((m, 1))])])
    b_ub = np.concatenate([-target, target])
    a_eq = np.zeros((sets, k + 1))
    cut = k // 2 + 1 if sets == 2 else k
    a_eq[0, :cut] = 1.0
    if sets == 2:
        a_eq[1, cut:k] = 1.0
    return c, a_ub, b_ub, a_eq, np.ones(sets)


def _linprog(c, a_ub, b_ub, a_eq, b_eq):
    result = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq,
                     bounds=[(0, None)] * c.size, method="highs")
    return None if result.status != 0 else result.x


@pytest.mark.parametrize("sets", [1, 2])
def test_solve_returns_what_linprog_returns_bit_for_bit(sets):
    rng = np.random.default_rng(28 + sets)
    for _ in range(60):
        problem = _hull_problem(rng, sets)
        expected, got = _linprog(*problem), lp.solve(*problem)
        assert expected is not None and got is not None
        assert np.array_equal(got, expected), (got, expected)
        # the twin: a nearby different program gives a different answer, which the
        # comparison above would catch
        c, a_ub, b_ub, a_eq, b_eq = problem
        moved = lp.solve(c, a_ub, b_ub + 0.5, a_eq, b_eq)
        assert moved is not None and moved[-1] != got[-1] or got[-1] == 0.0


def test_the_fast_path_is_the_one_taken_here():
    # on the SciPy the project pins, the binding is found (else the speed-up is lost)
    assert lp._binding()


def test_an_infeasible_program_gives_none_on_both_routes(monkeypatch):
    # x0 <= -1 with x >= 0: no solution
    problem = (np.array([1.0, 0.0]), np.array([[1.0, 0.0]]), np.array([-1.0]),
               np.array([[1.0, 1.0]]), np.array([1.0]))
    assert _linprog(*problem) is None
    assert lp.solve(*problem) is None
    monkeypatch.setattr(lp, "_highs", False)
    assert lp.solve(*problem) is None


def test_without_the_binding_it_calls_linprog(monkeypatch):
    problem = _hull_problem(np.random.default_rng(7), 1)
    monkeypatch.setattr(lp, "_highs", False)
    assert np.array_equal(lp.solve(*problem), _linprog(*problem))


@pytest.mark.parametrize("where", ["c", "a_ub", "b_ub"])
def test_inf_or_nan_is_refused_as_linprog_refuses_it(where):
    problem = dict(zip(["c", "a_ub", "b_ub", "a_eq", "b_eq"],
                       _hull_problem(np.random.default_rng(3), 1), strict=True))
    problem[where] = problem[where].copy()
    problem[where].flat[0] = np.nan if where == "b_ub" else np.inf
    with pytest.raises(ValueError, match=f"{where.replace('a_ub', 'A_ub')} must not contain"):
        lp.solve(*problem.values())


def test_a_program_met_again_is_answered_from_memory_and_a_changed_one_is_not(monkeypatch):
    calls = []
    solve = lp._solve
    monkeypatch.setattr(lp, "_solve", lambda *parts: calls.append(1) or solve(*parts))
    c, a_ub, b_ub, a_eq, b_eq = _hull_problem(np.random.default_rng(11), 2)
    first = lp.solve(c, a_ub, b_ub, a_eq, b_eq)
    again = lp.solve(c.copy(), a_ub.copy(), b_ub.copy(), a_eq.copy(), b_eq.copy())
    assert len(calls) == 1 and np.array_equal(first, again)
    # every part is in the key: each changed part is a new program
    for i in range(5):
        parts = [c, a_ub, b_ub, a_eq, b_eq]
        parts[i] = parts[i].copy()
        parts[i].flat[-1] += 0.25
        lp.solve(*parts)
    assert len(calls) == 6


def test_a_caller_changing_an_answer_does_not_change_the_next_one():
    problem = _hull_problem(np.random.default_rng(12), 1)
    first = lp.solve(*problem)
    kept = first.copy()
    first[:] = -1.0
    assert np.array_equal(lp.solve(*problem), kept)


def test_a_large_program_is_solved_each_time_not_kept(monkeypatch):
    calls = []
    solve = lp._solve
    monkeypatch.setattr(lp, "_solve", lambda *parts: calls.append(1) or solve(*parts))
    monkeypatch.setattr(lp, "_LARGEST", 64)  # every program here is larger
    problem = _hull_problem(np.random.default_rng(13), 1)
    assert np.array_equal(lp.solve(*problem), lp.solve(*problem))
    assert len(calls) == 2 and lp._SOLVED == {}
