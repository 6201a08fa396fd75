"""Health economics, checked against numbers worked out by hand.

A textbook frontier, discounting of known streams, QALYs and costs of a hand-built population,
the comparison's rows, and the CLI's --wtp and --discount.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import run_cli
from scipy import stats

from simulation.analysis.health_economics import (
    comparison_economics,
    economics_differences,
    efficiency_frontier,
    icer,
    run_health_metrics,
)
from simulation.model.mechanisms.health_economics import (
    DAYS_PER_YEAR,
    EconomicsParams,
    accrue_day,
    day_values,
    discount_factor,
    start_accounts,
)
from simulation.model.model import RecoveryCommunityModel
from simulation.model.population import DECEASED, LAPSED, RECOVERING, USING
from simulation.running.runner import simulate
from simulation.scenario.files import BUNDLED_SCENARIOS
from simulation.scenario.schema import Scenario

TAU = str(BUNDLED_SCENARIOS / "treatment_as_usual.yaml")
PEER = str(BUNDLED_SCENARIOS / "community_peer_mentoring.yaml")


def test_frontier_reproduces_the_herc_textbook_example():
    # VA Health Economics Resource Center's cost-effectiveness course example (also dampack's
    # test of calculate_icers): A is strongly dominated by B, C is extendedly dominated (its
    # ICER from B, 15,000, exceeds D's from C, 10,000); the frontier is UC-B-D-E.
    rows = efficiency_frontier(
        ["E", "D", "C", "B", "A", "UC"],
        [55000, 35000, 25000, 10000, 12000, 5000],
        [5, 4, 3, 2, 1.5, 1],
    )
    got = [(r["strategy"], r["status"], r["incremental_cost"], r["incremental_effect"], r["icer"])
           for r in rows]  # fmt: skip
    assert got == [
        ("UC", "ND", None, None, None),
        ("B", "ND", 5000.0, 1.0, 5000.0),
        ("D", "ND", 25000.0, 2.0, 12500.0),
        ("E", "ND", 20000.0, 1.0, 20000.0),
        ("C", "ED", None, None, None),
        ("A", "D", None, None, None),
    ]


def test_frontier_equal_effects_and_a_chain_of_extended_dominance():
    # Same effect, higher cost is dominated (dampack's three-strategy case).
    rows = efficiency_frontier(
        ["No treat", "Treat all", "Test & treat"],
        [163771.0, 164848.7, 163765.1],
        [6.48273, 6.52861, 6.52861],
    )
    assert {r["strategy"]: r["status"] for r in rows} == {
        "Test & treat": "ND",
        "Treat all": "D",
        "No treat": "D",
    }
    # Removing one extendedly dominated strategy exposes the next: ICERs 12, 13, 8 -> drop c;
    # then a -> b 12 exceeds b -> d 10.5 -> drop b; the frontier is a, d (ICER 33 / 3 = 11).
    rows = efficiency_frontier(["a", "b", "c", "d"], [0, 12, 25, 33], [0, 1, 2, 3])
    assert [(r["strategy"], r["status"], r["icer"]) for r in rows] == [
        ("a", "ND", None),
        ("d", "ND", 11.0),
        ("b", "ED", None),
        ("c", "ED", None),
    ]


def test_discounting_a_known_stream():
    # $100 a year, at the end of years 1, 2, 3, at 3%: 100/1.03 + 100/1.03^2 + 100/1.03^3.
    days = 1 + DAYS_PER_YEAR * np.array([1, 2, 3])
    assert float(np.sum(100 * discount_factor(days, 0.03))) == pytest.approx(282.8611, abs=1e-4)
    assert float(discount_factor(1, 0.03)) == 1.0
    # One person using every day for two years: the criminal-justice account is the geometric
    # series c * (1 - q^730) / (1 - q), q = 1.03^(-1/365.25).
    params = EconomicsParams(criminal_justice_cost_per_using_day=10.0)
    accounts = start_accounts()
    for day in range(1, 731):
        accrue_day(accounts, np.array([USING]), 0, 0.0, params, day, program_offered=False)
    q = 1.03 ** (-1 / DAYS_PER_YEAR)
    assert accounts["criminal_justice_cost"] == pytest.approx(10 * (1 - q**730) / (1 - q))
    assert accounts["cost_year_1"] + accounts["cost_year_2"] == pytest.approx(
        730 * (10 + (14_600 + 2 * 527) / DAYS_PER_YEAR)
    )


def test_qalys_and_costs_of_a_hand_built_population():
    status = np.array([RECOVERING, RECOVERING, LAPSED, USING, DECEASED])
    params = EconomicsParams(discount_rate=0.0)
    today = day_values(status, overdose_deaths_today=1, params=params)
    assert today["qalys"] == pytest.approx((2 * 0.766 + 0.691 + 0.574) / 365.25)
    assert today["health_care_cost"] == pytest.approx((3 * 5_000 + 14_600) / 365.25)
    assert today["emergency_cost"] == pytest.approx(2 * 2.0 / 365.25 * 527 + 5_460)
    assert today["criminal_justice_cost"] == pytest.approx(2 * 20.3)
    accounts = start_accounts()
    for day in range(1, 11):  # ten days; the program has spent $100 a day since day 0
        accrue_day(accounts, status, 0, 100.0 * day + 40.0, params, day, program_offered=True)
    assert accounts["qalys"] == pytest.approx(10 * (2 * 0.766 + 0.691 + 0.574) / 365.25)
    assert accounts["qalys"] == pytest.approx(accounts["qalys_undiscounted"])
    assert accounts["program_cost"] == pytest.approx(50_000 + 1040.0)  # start-up + spending
    assert accounts["deaths_all_cause"] == 1.0
    metrics = run_health_metrics(accounts, participants=5)
    assert metrics["qalys_per_participant"] == pytest.approx(accounts["qalys"] / 5)
    assert metrics["net_cost"] == pytest.approx(
        accounts["program_cost"] + 10 * (today["health_care_cost"] + 2 * 2.0 / 365.25 * 527)
        + 10 * today["criminal_justice_cost"]
    )  # fmt: skip


def test_model_accounts_agree_with_its_daily_series():
    model = RecoveryCommunityModel(
        seed=4, days=120, population={"size": 300}, economics={"discount_rate": 0.0}
    )
    model.run()
    daily = model.datacollector.get_model_vars_dataframe()
    p = EconomicsParams()
    expected = (
        daily["in_recovery"] * p.utility_in_recovery
        + daily["lapsed"] * p.utility_lapsed
        + daily["relapsed"] * p.utility_using
    ).sum() / DAYS_PER_YEAR
    assert model.health["qalys"] == pytest.approx(expected)
    assert model.health["deaths_all_cause"] == daily["deceased"].iloc[-1]
    assert model.health["overdose_deaths"] == daily["overdose_deaths"].sum()
    assert model.health["program_cost"] == 0.0  # usual care: no program, no start-up


def test_a_run_carries_the_health_metrics_and_discounting_lowers_them():
    scenario = Scenario(days=400, population={"size": 150}, mentoring={"enabled": True})
    plain = simulate(scenario.model_copy(update={"economics": EconomicsParams(discount_rate=0)}), 2)
    discounted = simulate(scenario, 2)
    for name in ("qalys", "net_cost", "downstream_cost", "cost_year_1", "cost_year_2"):
        assert discounted.metrics[name] > 0
    assert discounted.metrics["qalys"] < plain.metrics["qalys"]
    assert discounted.metrics["net_cost"] < plain.metrics["net_cost"]
    # Same seed, same people: only the weights differ; the outcome metrics are unchanged.
    assert discounted.metrics["relapse_rate_365"] == plain.metrics["relapse_rate_365"]
    # Budget years are undiscounted: the same with or without discounting.
    assert discounted.metrics["cost_year_2"] == pytest.approx(plain.metrics["cost_year_2"])


def runs(net_cost, qalys, deaths, downstream):
    return [
        {"net_cost": c, "qalys": q, "deaths_all_cause": d, "overdose_deaths": d,
         "downstream_cost": o, "cost_year_1": c}
        for c, q, d, o in zip(net_cost, qalys, deaths, downstream, strict=True)
    ]  # fmt: skip


def test_economics_differences_are_per_replicate():
    base = runs([100.0, 110.0, 90.0], [10.0, 10.0, 10.0], [3, 2, 4], [100.0, 110.0, 90.0])
    design = runs([130.0, 150.0, 110.0], [10.2, 10.25, 10.15], [2, 2, 3], [80.0, 90.0, 70.0])
    rows, note = economics_differences(design, base, paired=True, wtp=1000.0, seed=1)
    assert note == ""
    assert rows["qalys"]["mean"] == pytest.approx(0.2)
    assert rows["deaths"]["mean"] == pytest.approx(-2 / 3)
    assert rows["deaths_averted"]["mean"] == pytest.approx(2 / 3)
    assert rows["cost_offsets"]["mean"] == pytest.approx(20.0)
    assert rows["net_cost"]["mean"] == pytest.approx(30.0)
    assert rows["icer_per_qaly"]["mean"] == pytest.approx(30.0 / 0.2)
    low, high = rows["icer_per_qaly"]["ci95"]
    assert low <= 150.0 <= high
    nmb = np.array([1000 * 0.2 - 30, 1000 * 0.25 - 40, 1000 * 0.15 - 20])
    interval = stats.ttest_1samp(nmb, 0).confidence_interval(0.95)
    assert rows["net_monetary_benefit"]["mean"] == pytest.approx(nmb.mean())
    assert rows["net_monetary_benefit"]["ci95"] == pytest.approx([interval.low, interval.high])
    assert rows["budget_impact_year_1"]["mean"] == pytest.approx(30.0)


def test_icer_is_undefined_when_dominant_or_dominated():
    assert icer([-5.0, -6.0], [0.1, 0.2], seed=0)["note"].startswith("dominant")
    assert icer([5.0, 6.0], [-0.1, -0.2], seed=0)["note"].startswith("dominated")
    assert icer([-5.0, -6.0], [-0.1, -0.2], seed=0)["mean"] is None
    unclear = icer([5.0, 6.0, 4.0], [0.3, -0.2, 0.1], seed=0)
    assert unclear["mean"] == pytest.approx(5.0 / (0.2 / 3)) and unclear["ci95"] is None


def test_comparison_economics_ranks_designs_by_net_benefit():
    per_run = {
        "usual": runs([100.0, 100.0], [10.0, 10.0], [1, 1], [100.0, 100.0]),
        "cheap": runs([90.0, 95.0], [10.1, 10.1], [1, 1], [90.0, 95.0]),  # dominant
        "dear": runs([300.0, 300.0], [10.15, 10.15], [1, 1], [50.0, 50.0]),
    }
    doc = comparison_economics(per_run, wtp=1000.0, discount_rate=0.03)
    statuses = {r["strategy"]: r["status"] for r in doc["frontier"]}
    assert statuses == {"cheap": "ND", "dear": "ND", "usual": "D"}
    assert doc["best_at_wtp"] == "cheap"
    assert doc["share_best_at_wtp"] == {"usual": 0.0, "cheap": 1.0, "dear": 0.0}
    assert doc["net_monetary_benefit"]["cheap"]["mean"] == pytest.approx(1000 * 10.1 - 92.5)


def test_compare_cli_sets_wtp_and_discount_and_reports_the_rows(capsys):
    code, stdout, _ = run_cli(
        capsys,
        *("compare", TAU, PEER, "--replicates", "2", "--population", "100", "--days", "40"),
        *("--workers", "1", "--json", "--wtp", "50000", "--discount", "0"),
        *("--uncertainty", "stochastic"),
    )
    assert code == 0
    doc = json.loads(stdout)
    assert doc["health_economics"]["wtp_per_qaly"] == 50000.0
    assert doc["health_economics"]["discount_rate"] == 0.0
    rows = doc["differences"]["community_peer_mentoring"]
    for name in ("qalys", "deaths", "cost_offsets", "net_cost", "icer_per_qaly"):
        assert set(rows[name]) == {"mean", "ci95", "ci95_stochastic", "spread95"}
        assert rows[name]["ci95"] == rows[name]["ci95_stochastic"]  # run-to-run only
    nmb, gain, cost = (rows[k]["mean"] for k in ("net_monetary_benefit", "qalys", "net_cost"))
    assert nmb == pytest.approx(50000.0 * gain - cost)
    assert isinstance(doc["cost_effectiveness"]["community_peer_mentoring"]["icer_note"], str)


def test_compare_cli_refuses_a_discount_out_of_range(capsys):
    code, stdout, stderr = run_cli(capsys, "compare", TAU, PEER, "--discount", "3")
    assert code == 2 and stdout == ""
    assert "--discount" in stderr and "0.2" in stderr and "Traceback" not in stderr


def test_the_guide_says_what_the_intervals_include_as_compare_computes_them():
    from pathlib import Path

    from simulation.analysis.uncertainty import INTERVALS
    from simulation.calibration.posterior import load_posterior
    from simulation.commands.compare import command
    from simulation.running.parameter_draws import PARAMETERS_AND_STOCHASTIC

    guide = (Path(__file__).resolve().parents[3] / "docs" / "health-economics.md").read_text()
    section = guide.split("## What the intervals include")[1].split("\n## ")[0]
    default = next(p.default for p in command.params if p.name == "uncertainty")
    assert default == PARAMETERS_AND_STOCHASTIC and f"--uncertainty {default}" in section
    assert set(INTERVALS[default]) >= {"ci95", "ci95_stochastic"}
    assert (
        "`ci95`" in section and "`ci95_stochastic`" in section and "run-to-run only" not in section
    )
    # The guide says the economics parameters are not drawn: true of the bundled posterior.
    drawn = list(load_posterior().columns)
    assert drawn and not [key for key in drawn if key.startswith("economics.")]
    assert "economics parameters** are not in the posterior" in section
