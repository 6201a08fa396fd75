"""Intake through compare, the report and the dashboard's charts (issue 15, item 5)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simulation.analysis.compare import compare
from simulation.dashboard.charts import panels, run_view
from simulation.model.model import RecoveryCommunityModel
from simulation.report import write_report
from simulation.report.figures import queue_figure
from simulation.scenario.files import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["days=120", "population.size=100", "intake.referrals_per_month=60"]


@pytest.fixture(scope="module")
def capacity_comparison():
    scenarios = [
        load_scenario(ROOT / "scenarios" / f"intake_one_mentor_per_{n}_referrals.yaml", SMALL)
        for n in (10, 5)
    ]
    return compare(scenarios, replicates=4, seed=3, workers=1)


def test_both_capacity_designs_get_the_same_referrals_and_more_mentors_serve_more(
    capacity_comparison,
):
    few, many = capacity_comparison.results.values()
    for a, b in zip(few, many, strict=True):
        assert a.daily["referred_to_date"].tolist() == b.daily["referred_to_date"].tolist()
        assert b.metrics["participants_served"] > a.metrics["participants_served"]
    # The mean wait is over those served, and the larger pool serves people the smaller one
    # never reaches, so a single 100-person replicate can go either way: compare the means.
    wait = [np.mean([r.metrics["mean_wait_days"] for r in runs]) for runs in (few, many)]
    assert wait[1] < wait[0] - 2
    document = capacity_comparison.document
    first = next(iter(document["scenarios"].values()))
    assert first["participants_served"]["mean"] > 0
    assert "participants_served" in document["differences"]["intake_one_mentor_per_5_referrals"]


def test_the_report_shows_the_waiting_list_figure(capacity_comparison, tmp_path):
    fig = queue_figure(capacity_comparison)
    assert fig is not None
    ax = fig.axes[0]
    few = next(iter(capacity_comparison.results.values()))
    drawn = ax.lines[0].get_ydata()
    expected = np.mean([r.daily["waiting_list"].to_numpy() for r in few], axis=0)
    assert np.allclose(drawn, expected)
    html = write_report(capacity_comparison, tmp_path).read_text()
    assert "waiting_list.png" in html
    assert (tmp_path / "figures" / "waiting_list.png").stat().st_size > 1000


def test_the_dashboard_draws_the_queue_series_of_an_intake_run():
    scenario = load_scenario(ROOT / "scenarios" / "intake_one_mentor_per_10_referrals.yaml", SMALL)
    model = RecoveryCommunityModel(scenario, seed=1)
    model.run(20)
    view = run_view("A", model)
    assert ("Waiting list (enrolled, not yet served)", ["waiting_list"]) in panels([view])
    assert view.series["waiting_list"][-1] == model.summary()["waiting_list"]
    assert view.series["waiting_list"].max() > 0


def test_an_experiment_over_referral_volumes_records_the_intake_metrics(tmp_path):
    import simulation as rs

    scenario = ROOT / "scenarios" / "intake_one_mentor_per_10_referrals.yaml"
    path = tmp_path / "volumes.yaml"
    path.write_text(
        f"name: volumes\nscenarios: [{scenario}]\n"
        "set: {population.size: 60, days: 60}\n"
        "factors: {intake.referrals_per_month: [10, 80]}\n"
        "design: factorial\nreplicates: 2\nseed: 1\ncommon_random_numbers: true\ndaily: true\n"
        "metrics: [participants_served, waiting_list_end, mean_wait_days]\n",
        encoding="utf-8",
    )
    outcome = rs.run_experiment(path, out=tmp_path / "out", workers=0)
    runs = rs.load_results(outcome.out)
    assert (runs["status"] == "ok").all()
    by_volume = runs.groupby("intake.referrals_per_month")["waiting_list_end"].mean()
    assert by_volume[80] > by_volume[10]  # same mentors, eight times the referrals
    daily = rs.load_results(outcome.out, daily=True)
    assert "waiting_list" in daily and daily["waiting_list"].max() > 0


def test_the_api_runs_an_intake_scenario_and_reports_its_metrics():
    import simulation as rs

    summary = rs.run_scenario(
        ROOT / "scenarios" / "intake_one_mentor_per_5_referrals.yaml",
        replicates=2,
        overrides={"population.size": 60, "days": 60},
    )
    metrics = summary.summary["metrics"]
    assert metrics["participants_served"]["mean"] > 0
    assert metrics["referrals"]["mean"] == pytest.approx(60 / 30.4375 * 100, rel=0.3)
    assert "waiting_list" in summary.daily


def test_the_dashboard_session_switches_intake_on_and_refuses_too_many_referrals():
    from simulation.dashboard.session import MAX_INTERACTIVE_PEOPLE, DashboardSession

    session = DashboardSession()
    assert session.set_value("population.size", 150), session.error
    assert session.set_value("intake.enabled", True), session.error
    session.step(10)
    assert session.designs[0].model.intake is not None
    too_many = MAX_INTERACTIVE_PEOPLE  # a month of them is already more than the page runs
    assert not session.set_value("intake.referrals_per_month", too_many)
    assert "intake.referrals_per_month" in session.error and "recovery-sim run" in session.error
