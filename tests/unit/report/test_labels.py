"""Every metric the runs produce has a plain label and a unit, and no label is shown twice."""

from __future__ import annotations

import re

import pytest
from posterior_factory import posterior

import simulation as rs
from simulation.analysis.derived_metrics import DERIVED_METRICS
from simulation.analysis.metrics import METRICS
from simulation.report.labels import ALIASES, MEASURES, YEARLY, estimate, measure, number

SMALL = {"population.size": 60, "days": 365}


def _labelled(metric: str) -> bool:
    return metric in MEASURES or any(
        metric.startswith(p) and metric.removeprefix(p).isdigit() for p in YEARLY
    )


@pytest.fixture(scope="module")
def result():
    # 365 days: every lapse-free day, relapse by day 365 and the 90-day abstinence window.
    return rs.compare_scenarios(
        ["treatment_as_usual", "community_peer_mentoring"],
        replicates=2,
        seed=3,
        overrides=SMALL,
        posterior=posterior(),
    )


def test_every_metric_the_runs_produce_has_a_label(result):
    doc = result.comparison.document
    produced = {m for n in doc["scenarios"] for m in doc["scenarios"][n]}
    produced |= {m for n in doc["differences"] for m in doc["differences"][n]}
    intake = rs.run_scenario(
        "intake_one_mentor_per_5_referrals",
        replicates=2,
        overrides={"population.size": 60, "days": 90},
        posterior=posterior(),
    )
    produced |= {m for m in intake.summary["metrics"] if not m.startswith("by_")}
    assert {"abstinent_past_90_days", "referrals_year_1", "budget_impact_year_1"} <= produced
    assert not [
        m for m in sorted(produced | set(METRICS) | set(DERIVED_METRICS)) if not _labelled(m)
    ]


def test_trial_outcomes_read_in_percent_and_days():
    assert measure("abstinent_past_30_days") == "no use in the last 30 days (%)"
    assert measure("continuous_abstinence", difference=True) == (
        "no use at all during the run (pts)"
    )
    assert number("percent_days_abstinent", 0.8123) == "81.2"
    assert measure("median_days_to_first_relapse") == "median time to first relapse (days)"
    assert estimate(
        "restricted_mean_days_to_relapse", {"mean": 201.26, "ci95": [190.0, 212.49]}
    ) == ("201.3 (190.0 to 212.5)")
    assert measure("mean_wait_days_year_2") == "mean wait for a first contact, year 2 (days)"
    assert measure("cost_year_3") == "cost, year 3" and number("cost_year_3", 2471.7) == "$2,472"


def test_no_two_measures_share_a_label_and_deaths_show_once(result, tmp_path):
    names = [text for metric, (text, _) in MEASURES.items() if metric not in ALIASES]
    assert len(set(names)) == len(names)
    html = rs.report(result, tmp_path).read_text()
    against = html.split("<h2>Against ")[1].split("<h2>")[0]
    assert len(re.findall(r"<td>deaths, all causes \(per 60 people\)</td>", against)) == 1
    assert "<td>no use in the last 90 days (pts)</td>" in against
