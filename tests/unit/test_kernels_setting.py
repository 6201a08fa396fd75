"""Setting, meetings and digital-tool kernels give byte-identical numbers to the old NumPy.

Each reference below is the NumPy body the function had before issue 17's kernels; the new
code must match it bit for bit (dtype and bytes) on seeded random inputs of several sizes, with
every status present, float32 draws as the model passes them, and draws equal to the chance
they are compared with.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from simulation.model.mechanisms import digital, meetings, setting
from simulation.model.population import DECEASED, STATUS_NAMES

SIZES = (0, 1, 2, 9, 300, 20_000)


def _old_contact_intensity(params, draws, in_person):
    return np.where(draws < in_person, 1.0, params.digital_contact_intensity)


def _old_setting_hazard_ratio(people, params):
    return np.where(people.residence_days_left > 0, params.residential_hazard_ratio, 1.0)


def _old_meetings_hazard_ratio(group_support, params):
    return np.exp(-params.meeting_protection * group_support)


def _old_attend(people, params, draws):
    eligible = people.enrolled & (people.status != DECEASED)
    attending = eligible & (draws < meetings.attendance_probability(params) * people.engagement)
    seats = params.seats_per_meeting_day
    if seats and np.count_nonzero(attending) > seats:
        rows = np.flatnonzero(attending)
        turned_away = rows[np.argsort(draws[rows], kind="stable")[seats:]]
        attending[turned_away] = False
    return attending


def _old_fade_use(people, params, use):
    use *= 0.5 ** (1.0 / params.use_half_life_days)
    use[people.status == DECEASED] = 0.0


def _people(n: int, seed: int, dtype=np.float64) -> SimpleNamespace:
    rng = np.random.default_rng(seed)
    status = rng.integers(0, len(STATUS_NAMES), n).astype(np.int8)
    status[: min(n, len(STATUS_NAMES))] = np.arange(min(n, len(STATUS_NAMES)))
    return SimpleNamespace(
        size=n,
        status=status,
        enrolled=rng.uniform(0, 1, n) < 0.7,
        engagement=rng.uniform(0, 1, n).astype(dtype),
        residence_days_left=rng.integers(-2, 6, n).astype(np.int32),
    )


def _same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("n", SIZES)
def test_contact_intensity_matches_numpy(n):
    rng = np.random.default_rng(n)
    params = setting.SettingParams(digital_contact_intensity=0.35)
    in_person = rng.uniform(0, 0.5, n)
    draws = rng.random(n, dtype=np.float32)
    draws[::7] = in_person[::7].astype(np.float32)  # a float32 draw at (or by) its chance
    assert _same(
        setting.contact_intensity(params, draws, in_person),
        _old_contact_intensity(params, draws, in_person),
    )
    assert _same(
        setting.contact_intensity(params, draws, 0.25), _old_contact_intensity(params, draws, 0.25)
    )


@pytest.mark.parametrize("n", SIZES)
def test_hazard_ratios_match_numpy(n):
    people = _people(n, n)
    params = setting.SettingParams(kind="residential")
    assert _same(setting.hazard_ratio(people, params), _old_setting_hazard_ratio(people, params))
    support = np.random.default_rng(n).uniform(0, 1, n)
    support[: min(n, 2)] = 0.0
    for m_params in (meetings.MeetingParams(), meetings.MeetingParams(meeting_protection=1.9)):
        assert _same(
            meetings.hazard_ratio(support, m_params), _old_meetings_hazard_ratio(support, m_params)
        )


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seats", [0, 5])
def test_attendance_matches_numpy(n, dtype, seats):
    params = meetings.MeetingParams(
        enabled=True, meetings_per_week=5.0, seats_per_meeting_day=seats
    )
    chance = meetings.attendance_probability(params)
    for seed in range(3):
        people = _people(n, seed, dtype)
        draws = np.random.default_rng(seed + 9).random(n, dtype=np.float32)
        draws[::5] = (chance * people.engagement[::5]).astype(np.float32)
        assert _same(meetings.attend(people, params, draws), _old_attend(people, params, draws))


@pytest.mark.parametrize("n", SIZES)
def test_tool_use_fades_as_numpy_did(n):
    params = digital.SelfGuidedToolParams(enabled=True, use_half_life_days=37.0)
    people = _people(n, n)
    use = np.random.default_rng(n).uniform(0, 1, n)
    reference = use.copy()
    for _ in range(3):
        digital.fade_use(people, params, use)
        _old_fade_use(people, params, reference)
        assert _same(use, reference)
