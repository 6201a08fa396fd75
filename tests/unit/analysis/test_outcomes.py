"""Trial-style outcomes on hand-made histories with known answers (analysis.metrics, history)."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.analysis.metrics import (
    LAPSE_FREE_DAYS,
    CohortOutcomes,
    median_time,
    outcome_metrics,
    restricted_mean_time,
    survival_curve,
    trial_outcomes,
)
from simulation.model.history import history_frame
from simulation.model.model import RecoveryCommunityModel
from simulation.model.population import LAPSED, NEVER, RECOVERING, USING


def test_trial_outcomes_on_known_use_histories():
    # Follow-up day 100. Person 0 never used; 1 used last on day 75 (inside 30 days? no: 25
    # days before the end -> inside 30 and 90); 2 used last on day 50 (outside 30, inside 90);
    # 3 last on day 5 (outside both); 4 died on day 40 (not in point prevalence).
    last = np.array([NEVER, 75, 50, 5, 30])
    use_days = np.array([0, 10, 20, 5, 10])
    days_alive = np.array([100, 100, 100, 100, 40])
    alive = np.array([True, True, True, True, False])
    out = trial_outcomes(last, use_days, days_alive, alive, day=100)
    assert out["abstinent_past_30_days"] == pytest.approx(3 / 4)  # 0, 2, 3
    assert out["abstinent_past_90_days"] == pytest.approx(2 / 4)  # 0, 3
    assert out["continuous_abstinence"] == pytest.approx(1 / 4)
    assert out["percent_days_abstinent"] == pytest.approx(np.mean([1.0, 0.9, 0.8, 0.95, 0.75]))
    # A 60-day run has no 90-day window.
    assert "abstinent_past_90_days" not in trial_outcomes(last, use_days, days_alive, alive, 60)


def test_median_and_restricted_mean_times_by_kaplan_meier():
    times = np.array([10, 20, 30, 40])
    seen = np.array([True, True, False, True])
    # S = 0.75 after 10, 0.5 after 20: the median is day 20.
    assert median_time(times, seen, 100) == 20.0
    # Nobody has the event: the median is the run's length.
    assert median_time(times, np.zeros(4, dtype=bool), 100) == 100.0
    # Area: 10 days at 1, 10 at 0.75, 20 at 0.5 (censoring at 30 keeps 0.5), then 0 after 40.
    assert restricted_mean_time(times, seen, 100) == pytest.approx(10 + 7.5 + 10 + 0)
    # Nobody to follow: no median, no area.
    empty = np.array([], dtype=int)
    assert np.isnan(median_time(empty, empty.astype(bool), 100))
    assert np.isnan(restricted_mean_time(empty, empty.astype(bool), 100))


def test_outcome_metrics_read_each_curve_once_with_the_same_values():
    # The metrics fit each event's curve once; every value is what a fit per metric gives.
    rng = np.random.default_rng(4)
    n, days = 3000, 400
    lapse = rng.integers(0, days + 1, n)
    relapse = np.minimum(lapse + rng.integers(0, 200, n), days)
    outcomes = CohortOutcomes(
        substance=np.zeros(n, dtype=np.int8),
        age_group=np.zeros(n, dtype=np.int8),
        lapse_day=lapse,
        lapse_observed=rng.random(n) < 0.7,
        relapse_day=relapse,
        relapse_observed=rng.random(n) < 0.4,
        in_recovery_end=rng.random(n) < 0.5,
        days=days,
    )
    metrics = outcome_metrics(outcomes)
    for d in LAPSE_FREE_DAYS:
        curve = survival_curve(lapse, outcomes.lapse_observed, np.array([d]))
        assert metrics[f"lapse_free_{d}"] == curve[0]
    relapse_free = survival_curve(relapse, outcomes.relapse_observed, np.array([365]))
    assert metrics["relapse_rate_365"] == 1.0 - relapse_free[0]
    # A subset taken by row index is the boolean subset.
    mask = rng.random(n) < 0.3
    subset = outcomes.subset(mask)
    assert np.array_equal(subset.lapse_day, lapse[mask])
    assert np.array_equal(subset.relapse_observed, outcomes.relapse_observed[mask])
    assert subset.days == days


def test_history_frame_marks_episode_starts():
    status = np.array(
        [[RECOVERING, LAPSED], [LAPSED, LAPSED], [USING, RECOVERING], [USING, LAPSED]],
        dtype=np.int8,
    )
    frame = history_frame(status)
    p0 = frame[frame.person == 0]
    p1 = frame[frame.person == 1]
    assert p0["lapse_started"].tolist() == [False, True, False, False]
    assert p0["relapse_started"].tolist() == [False, False, True, False]
    assert p1["lapse_started"].tolist() == [True, False, False, True]
    assert list(p0["status"]) == ["in_recovery", "lapsed", "relapsed", "relapsed"]


def test_person_history_agrees_with_the_run_counters():
    model = RecoveryCommunityModel(
        seed=2, population={"size": 200}, days=120, mentoring__enabled=True, record_history=True
    )
    model.run()
    history = model.person_history()
    people = model.people
    assert len(history) == 200 * 120
    per_person = history.groupby("person")["used"].sum()
    np.testing.assert_array_equal(per_person.to_numpy(), people.use_days[:200])
    # Every lapse day is a day of use; regular use is use on some days only.
    assert not (history["status"].eq("lapsed") & ~history["used"]).any()
    assert not (history["status"].eq("in_recovery") & history["used"]).any()
    lapses = history.groupby("person")["lapse_started"].sum().to_numpy()
    # Every lapse start is kept, even a new lapse the day the last one was caught.
    np.testing.assert_array_equal(lapses, people.lapses[:200])
    relapses = history.groupby("person")["relapse_started"].sum().to_numpy()
    np.testing.assert_array_equal(relapses, people.relapses[:200])
    last = history[history.day == 120]
    np.testing.assert_array_equal(last["mentor"].to_numpy(), people.mentor[:200])


def test_person_history_needs_recording():
    from simulation.errors import RecoverySimError

    model = RecoveryCommunityModel(seed=1, population={"size": 20}, days=2)
    model.run()
    with pytest.raises(RecoverySimError, match="record_history=True"):
        model.person_history()


def test_run_person_history_replays_the_replicate():
    from simulation.api import run_scenario
    from simulation.errors import ScenarioError

    run = run_scenario(
        "treatment_as_usual", replicates=2, seed=3, overrides={"population.size": 80, "days": 60}
    )
    history = run.person_history(1)
    relapsed_end = (history[history.day == 60]["status"] == "relapsed").mean()
    daily = run.daily[run.daily.replicate == 1]
    assert relapsed_end == pytest.approx(daily["relapsed"].iloc[-1] / 80)
    assert history["lapse_started"].sum() == daily["lapses"].sum()
    with pytest.raises(ScenarioError, match="from 0 to 1"):
        run.person_history(2)


def test_recording_history_changes_no_number_and_outcomes_have_breakdowns():
    from simulation.analysis.metrics import METRICS, run_metrics

    results = []
    for record in (False, True):
        model = RecoveryCommunityModel(
            seed=9, population={"size": 150}, days=100, record_history=record
        )
        model.run()
        results.append(run_metrics(model.people, model.day))
    (plain, by_plain, _), (recorded, by_recorded, _) = results
    assert repr(plain) == repr(recorded) and repr(by_plain) == repr(by_recorded)  # nan-safe
    trial = [
        "abstinent_past_30_days",
        "abstinent_past_90_days",
        "percent_days_abstinent",
        "continuous_abstinence",
        "median_days_to_first_lapse",
        "median_days_to_first_relapse",
        "restricted_mean_days_to_relapse",
    ]
    assert set(trial) <= set(METRICS) and set(trial) <= set(plain)
    for group in by_plain["by_substance"].values():
        assert set(trial) <= set(group)
    assert 0 <= plain["continuous_abstinence"] <= plain["abstinent_past_90_days"] <= 1
    assert plain["abstinent_past_90_days"] <= plain["abstinent_past_30_days"]
