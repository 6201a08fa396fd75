"""The vectorized model agrees with a plain one-person-at-a-time oracle of the core rules.

The oracle below is written from the rules as `docs/ODD.md` states them, with no NumPy
vectorization and no shared code: a loop over people and days. Programs and social influence
are switched off (no mentors, no network effects, no state-of-mind effects, every optional
mechanism disabled), so what is compared is the core: the duration-dependent lapse hazard by
substance and age group with gamma frailty, escalation of lapses into relapse, new recovery
attempts and deaths. The two must agree statistically over many seeds.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from simulation.model.model import RecoveryCommunityModel
from simulation.model.population import NEVER, RECOVERING
from simulation.scenario.overrides import with_overrides
from simulation.scenario.parameters import AGE_GROUPS, SUBSTANCES
from simulation.scenario.schema import Scenario, iter_parameters

DAYS = 180
PEOPLE = 300
SEEDS = 20


def core_scenario() -> Scenario:
    """Treatment as usual with every optional mechanism and every social/psychological effect off."""
    overrides = {
        key: False
        for key, info in iter_parameters()
        if key.endswith(".enabled") and info.annotation is bool
    }
    overrides |= {
        key: 0.0
        for key, info in iter_parameters()
        if key.startswith("relapse.") and key.endswith("_effect")
    }
    overrides |= {
        "days": DAYS,
        "population.size": PEOPLE,
        "population.community_members_per_participant": 0.0,
        "network.using_contact_risk": 0.0,
        "network.recovery_tie_protection": 0.0,
    }
    return with_overrides(Scenario(), overrides)


# ---------------------------------------------------------------- the oracle, one person at a time
LAPSED_, USING_, DEAD_ = "lapsed", "using", "dead"


def oracle_person(s: Scenario, substance: str, age_group: str, rng: random.Random) -> dict:
    """Follow one person for `s.days` days, in the order of the model's day."""
    curve = getattr(s.relapse, substance)
    variance = s.relapse.frailty_variance
    frailty = rng.gammavariate(1 / variance, variance) if variance > 0 else 1.0
    age_ratio = getattr(s.relapse.age_hazard_ratio, age_group)
    floor = curve.long_term_lapse_rate_per_year / 365.25
    stay_lapsed = 1 - 1 / curve.lapse_mean_days  # a lapse goes on another day
    median = getattr(s.recovery.episode_median_days, substance)
    r = s.relapse
    death_using = getattr(s.recovery.death_rate_using, substance) / 1000 / 365.25
    death_recovering = s.recovery.death_rate_in_recovery_per_1000_py / 1000 / 365.25

    status, days_abstinent = "recovering", 0
    first_lapse = first_relapse = caught_day = None
    lapses = lapse_left = 0
    episode_left = 0.0
    for day in range(1, s.days + 1):
        # a lapse that has run its length is caught or escalates
        relapsed_today = False
        if status == LAPSED_:
            lapse_left -= 1
            if lapse_left <= 0:
                if rng.random() < curve.escalation_probability:
                    status, caught_day, relapsed_today = USING_, None, True
                    first_relapse = first_relapse or day
                    episode_left = max(
                        median * math.exp(s.recovery.episode_spread * rng.gauss(0, 1)), 1
                    )
                else:
                    status, caught_day = "recovering", day
                    days_abstinent = round(days_abstinent * (1 - r.lapse_clock_setback))
        # an episode of use runs on and ends in a new attempt (the clock restarts)
        if status == USING_ and not relapsed_today:
            episode_left -= 1
            if episode_left <= 0:
                status, days_abstinent = "recovering", 0
        # deaths
        rate = death_using if status == USING_ else death_recovering
        if rng.random() < 1 - math.exp(-rate):
            status = DEAD_
            break
        # today's lapse hazard
        if status == "recovering":
            hazard = (
                (
                    curve.initial_lapse_rate_per_day
                    / (1 + (days_abstinent / curve.hazard_halving_days) ** curve.hazard_shape)
                    + floor
                )
                * age_ratio
                * frailty
            )
            if caught_day is not None:  # raised risk after a caught lapse, fading
                excess = r.post_lapse_rate_per_day * 0.5 ** (
                    (day - caught_day) / r.post_lapse_half_life_days
                )
                hazard += excess * age_ratio * frailty
            if rng.random() < 1 - math.exp(-hazard):
                status = LAPSED_
                lapses += 1
                first_lapse = first_lapse or day
                lapse_left = 1
                while stay_lapsed > 0 and rng.random() < stay_lapsed:
                    lapse_left += 1
            else:
                days_abstinent += 1
    return {
        "first_lapse": first_lapse,
        "first_relapse": first_relapse,
        "in_recovery_end": status == "recovering",
        "lapses": lapses,
    }


def oracle_cohort(s: Scenario, n: int, seed: int) -> dict[str, np.ndarray]:
    rng = random.Random(seed)
    subs = [getattr(s.population.substance_mix, x) for x in SUBSTANCES]
    ages = [getattr(s.population.age_mix, x) for x in AGE_GROUPS]
    rows = [
        oracle_person(s, rng.choices(SUBSTANCES, subs)[0], rng.choices(AGE_GROUPS, ages)[0], rng)
        for _ in range(n)
    ]
    never = s.days + 1
    return {
        "first_lapse": np.array([r["first_lapse"] or never for r in rows]),
        "first_relapse": np.array([r["first_relapse"] or never for r in rows]),
        "in_recovery_end": np.array([r["in_recovery_end"] for r in rows]),
        "lapses": np.array([r["lapses"] for r in rows]),
    }


def model_cohort(s: Scenario, seeds: range) -> dict[str, np.ndarray]:
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("first_lapse", "first_relapse")}
    parts |= {"in_recovery_end": [], "lapses": []}
    for seed in seeds:
        model = RecoveryCommunityModel(s, seed=seed)
        model.run()
        p, c = model.people, model.people.cohort
        never = s.days + 1
        parts["first_lapse"].append(
            np.where(p.first_lapse_day[c] == NEVER, never, p.first_lapse_day[c])
        )
        parts["first_relapse"].append(
            np.where(p.first_relapse_day[c] == NEVER, never, p.first_relapse_day[c])
        )
        parts["in_recovery_end"].append(p.status[c] == RECOVERING)
        parts["lapses"].append(p.lapses[c])
    return {k: np.concatenate(v) for k, v in parts.items()}


def _agree(a: np.ndarray, b: np.ndarray, what: str, sigmas: float = 4.5) -> None:
    """Two samples of a quantity have means within `sigmas` standard errors of the difference."""
    se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    diff = a.mean() - b.mean()
    assert abs(diff) <= sigmas * max(se, 1e-9), (
        f"{what}: model {a.mean():.4f} vs oracle {b.mean():.4f} (diff {diff:.4f}, se {se:.4f})"
    )


@pytest.mark.slow
def test_vectorized_model_agrees_with_one_person_at_a_time_oracle():
    s = core_scenario()
    model = model_cohort(s, range(SEEDS))
    oracle = oracle_cohort(s, PEOPLE * SEEDS, seed=12345)
    for d in (7, 30, 90, 180):
        _agree(model["first_lapse"] <= d, oracle["first_lapse"] <= d, f"lapsed by day {d}")
        _agree(model["first_relapse"] <= d, oracle["first_relapse"] <= d, f"relapsed by day {d}")
    _agree(model["in_recovery_end"], oracle["in_recovery_end"], "in recovery at the end")
    _agree(model["lapses"], oracle["lapses"], "lapses per person")


@pytest.mark.slow
def test_oracle_detects_a_wrong_rule():
    """The comparison has power: doubling escalation in the oracle's world is caught."""
    s = core_scenario()
    wrong = with_overrides(
        s,
        {
            f"relapse.{x}.escalation_probability": min(
                1.0, 2 * getattr(s.relapse, x).escalation_probability
            )
            for x in SUBSTANCES
        },
    )
    model = model_cohort(s, range(5))
    oracle = oracle_cohort(wrong, PEOPLE * 5, seed=99)
    with pytest.raises(AssertionError):
        _agree(model["first_relapse"] <= 90, oracle["first_relapse"] <= 90, "relapse by 90")
