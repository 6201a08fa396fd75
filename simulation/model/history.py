"""The person history: each participant's day, recorded compactly, as a tidy DataFrame.

Only when asked (`RecoveryCommunityModel(record_history=True)`): a run of 4,000 participants over
three years holds about 35 MB here. Status is one byte per participant-day; enrolment, mentor and
ties are kept beside it so researchers can define their own outcomes without reading internal
arrays. Lapse and relapse starts are read off the status sequence.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulation.model.population import LAPSED, STATUS_NAMES, USING, PopulationState


class PersonHistory:
    """Day-by-day arrays for the cohort (the first `participants` rows), filled by the model."""

    def __init__(self, participants: int, days: int):
        """Reserve room for `days` days of `participants` people.

        Args:
            participants: cohort size (the first rows of the population).
            days: the run's length; recording past it grows the arrays.
        """
        self.participants = participants
        self.days = 0
        shape = (max(days, 1), participants)
        self.status = np.zeros(shape, dtype=np.int8)
        self.enrolled = np.zeros(shape, dtype=bool)
        self.mentor = np.zeros(shape, dtype=np.int32)
        self.ties = np.zeros(shape, dtype=np.int16)
        # A lapse can be caught and a new one start the same day: starts are kept, not inferred.
        self.lapse_started = np.zeros(shape, dtype=bool)
        self.relapse_started = np.zeros(shape, dtype=bool)
        # Regular use is use on a share of days, so a day of use is kept too.
        self.used = np.zeros(shape, dtype=bool)

    _ARRAYS = ("status", "used", "enrolled", "mentor", "ties", "lapse_started", "relapse_started")

    def record(
        self,
        day: int,
        people: PopulationState,
        degree: np.ndarray,
        lapsed: np.ndarray,
        relapsed: np.ndarray,
    ) -> None:
        """Keep the end of `day` (1-based, recorded in order) for every participant.

        Args:
            day: the day just ended.
            people: the population.
            degree: ties per person today.
            lapsed: who started a lapse today.
            relapsed: who relapsed today.
        """
        if day > len(self.status):
            for name in self._ARRAYS:
                old = getattr(self, name)
                setattr(self, name, np.concatenate([old, np.zeros_like(old)]))
        n, i = self.participants, day - 1
        self.status[i] = people.status[:n]
        self.used[i] = people.last_use_day[:n] == day
        self.enrolled[i] = people.enrolled[:n]
        self.mentor[i] = people.mentor[:n]
        self.ties[i] = np.minimum(degree[:n], np.iinfo(np.int16).max)
        self.lapse_started[i] = lapsed[:n]
        self.relapse_started[i] = relapsed[:n]
        self.days = max(self.days, day)

    def frame(self) -> pd.DataFrame:
        """One row per participant and recorded day (see `RecoveryCommunityModel.person_history`)."""
        return history_frame(
            self.status[: self.days],
            used=self.used[: self.days],
            enrolled=self.enrolled[: self.days],
            mentor=self.mentor[: self.days],
            ties=self.ties[: self.days],
            lapse_started=self.lapse_started[: self.days],
            relapse_started=self.relapse_started[: self.days],
        )


def history_frame(
    status: np.ndarray,
    used: np.ndarray | None = None,
    enrolled: np.ndarray | None = None,
    mentor: np.ndarray | None = None,
    ties: np.ndarray | None = None,
    lapse_started: np.ndarray | None = None,
    relapse_started: np.ndarray | None = None,
) -> pd.DataFrame:
    """A tidy history from (days x people) arrays; day 1 is the first row.

    Args:
        status: status codes, one row per day, one column per person.
        used: whether each person used that day, the same shape (optional).
        enrolled: enrolment flags, the same shape (optional).
        mentor: mentor rows (-1 for none), the same shape (optional).
        ties: ties per person, the same shape (optional).
        lapse_started: who started a lapse each day (inferred from `status` if None: then a
            lapse caught and followed by a new one the same day is seen as one).
        relapse_started: who relapsed each day (inferred from `status` if None).

    Returns:
        A DataFrame with `day`, `person`, `status` (categorical names), `lapse_started`,
        `relapse_started` and whichever of `used`, `enrolled`, `mentor`, `ties` were given.

    Example:
        >>> frame = history_frame(np.array([[0, 1], [1, 2]], dtype=np.int8))
        >>> frame["lapse_started"].tolist(), frame["relapse_started"].tolist()
        ([False, True, True, False], [False, False, False, True])
    """
    days, people = status.shape
    before = np.vstack([np.zeros((1, people), dtype=status.dtype), status[:-1]])
    if lapse_started is None:
        lapse_started = (status == LAPSED) & (before != LAPSED)
    if relapse_started is None:
        relapse_started = (status == USING) & (before != USING)
    columns = {
        "day": np.repeat(np.arange(1, days + 1, dtype=np.int32), people),
        "person": np.tile(np.arange(people, dtype=np.int32), days),
        "status": pd.Categorical.from_codes(status.ravel(), categories=list(STATUS_NAMES)),
        "lapse_started": lapse_started.ravel(),
        "relapse_started": relapse_started.ravel(),
    }
    given = (("used", used), ("enrolled", enrolled), ("mentor", mentor), ("ties", ties))
    for name, values in given:
        if values is not None:
            columns[name] = values.ravel()
    return pd.DataFrame(columns)
