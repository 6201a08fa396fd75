"""Decisions: probability best, the acceptability curve, EVPI, and the tornado's drivers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulation.analysis.decisions import acceptability, best_shares, evpi, probability_best
from simulation.analysis.drivers import rank_drivers
from simulation.analysis.statistics import spread95, with_total


def test_best_shares_respect_the_direction_split_ties_and_sum_to_one():
    values = {"a": [1.0, 5.0, 2.0, 2.0], "b": [3.0, 4.0, 2.0, np.nan], "c": [0.0, 6.0, 2.0, 9.0]}
    lower = best_shares(values, higher=False)  # replicate 4 left out: b has no value
    assert lower == pytest.approx({"a": 1 / 9, "b": 1 / 3 + 1 / 9, "c": 1 / 3 + 1 / 9})
    higher = best_shares(values, higher=True)
    assert higher == pytest.approx({"a": 1 / 9, "b": 1 / 3 + 1 / 9, "c": 1 / 3 + 1 / 9})
    assert sum(lower.values()) == pytest.approx(1.0)


def test_probability_best_per_metric_sums_to_one_and_skips_metrics_with_no_better_side():
    runs = {
        "tau": [{"relapsed_per_100": 50.0 + i, "lapse_free_90": 0.3, "days": 9} for i in range(4)],
        "peer": [{"relapsed_per_100": 49.0 + 2 * i, "lapse_free_90": 0.4} for i in range(4)],
    }
    best = probability_best(runs)
    # Replicates: peer 49 < 50, a tie at 51 (half each), tau 52 < 53, tau 53 < 55.
    assert best["relapsed_per_100"]["better"] == "lower"
    assert best["relapsed_per_100"]["designs"] == pytest.approx({"tau": 0.625, "peer": 0.375})
    assert best["lapse_free_90"] == {"better": "higher", "designs": {"tau": 0.0, "peer": 1.0}}
    assert "days" not in best


def economics(qalys: list[float], cost: list[float], people: int = 100) -> list[dict]:
    return [
        {"qalys": q, "qalys_per_participant": q / people, "net_cost": c}
        for q, c in zip(qalys, cost, strict=True)
    ]


def test_acceptability_curve_and_evpi_from_known_net_benefits():
    # Per person: tau costs nothing and gains nothing; peer costs $100 and gains 0.002 QALY in
    # half the worlds, 0.0 in the other half. At wtp w its net benefit is 0.002 w - 100 or -100.
    per_run = {
        "tau": economics([0.0] * 4, [0.0] * 4),
        "peer": economics([0.2, 0.0, 0.2, 0.0], [10_000.0] * 4),
    }
    curve = acceptability(per_run, wtp=100_000.0)
    grid = curve["wtp_per_qaly"]
    assert grid[0] == 0.0 and grid[-1] == 200_000.0 and 100_000.0 in grid
    at = grid.index(100_000.0)
    # At $100k peer's net benefit is +100 or -100: best in half the worlds, and the mean
    # benefits tie at 0, so perfect information is worth E[max] - max E = 50 - 0 = $50.
    assert curve["probability_cost_effective"]["peer"][at] == 0.5
    assert curve["evpi_per_person"][at] == pytest.approx(50.0)
    assert curve["at_wtp"]["evpi_per_person"] == pytest.approx(50.0)
    # At $0 tau always wins and nothing is uncertain.
    assert curve["probability_cost_effective"]["tau"][0] == 1.0 and curve["evpi_per_person"][0] == 0
    for k in range(len(grid)):
        assert sum(c[k] for c in curve["probability_cost_effective"].values()) == pytest.approx(1)
    # E[max] = (6 + 10) / 2 = 8; max E = max(5, 4) = 5.
    assert evpi({"a": np.array([0.0, 10.0]), "b": np.array([6.0, 2.0])}) == pytest.approx(3.0)
    assert acceptability({"tau": [{"relapsed_per_100": 1.0}]}, 1.0) == {}


def test_total_interval_is_the_spread_of_per_replicate_differences():
    differences = np.arange(41, dtype=float)  # 0..40
    assert spread95(differences) == pytest.approx([1.0, 39.0])
    row = with_total({"mean": 20.0, "ci95": [16.0, 24.0]}, differences, parameters=True)
    assert row["ci95"] == pytest.approx([1.0, 39.0]) and row["ci95_stochastic"] == [16.0, 24.0]
    old = with_total({"mean": 20.0, "ci95": [16.0, 24.0]}, differences, parameters=False)
    assert old["ci95"] == [16.0, 24.0] and old["spread95"] == pytest.approx([1.0, 39.0])


def test_the_parameter_that_drives_a_difference_tops_the_tornado():
    rng = np.random.default_rng(3)
    draws = pd.DataFrame(
        {"wide": rng.uniform(0, 1, 30), "noise": rng.uniform(0, 1, 30), "fixed": np.ones(30)}
    )
    y = -5 * draws["wide"].to_numpy() + rng.normal(0, 0.3, 30)
    rows = rank_drivers(y, draws)
    assert [r["parameter"] for r in rows] == ["wide", "noise"]  # "fixed" does not vary
    assert rows[0]["rank_correlation"] < -0.9 and abs(rows[1]["rank_correlation"]) < 0.5
    assert rows[0]["share_explained_alone"] == pytest.approx(rows[0]["rank_correlation"] ** 2)
    assert rank_drivers(y[:4], draws) == []  # too few replicates to rank anything
