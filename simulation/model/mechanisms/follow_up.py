"""Follow-up interviews: next-year abstinence by how long a person has been abstinent.

Dennis, Foss & Scott 2007 (Eval Rev 31:585) interviewed 1,162 adults every quarter or year for
eight years and asked, of everyone abstinent at an interview, whether they were still abstinent a
year later, by how long they had been abstinent then: 36% after 1-12 months, 66% after 1-3 years,
86% after 3 years or more. Their sample is people at every point of their careers, so the groups
mix first attempts with people who relapsed and started again.

The model interviews the same way: at the end of each quarter every living participant in
recovery has a duration of abstinence (days since their last use, or since they entered if they
have not used), which puts them in one of the study's groups; four quarters later the interview
is followed up: a survivor with no use since then stayed abstinent. Counts are kept per person
(interviews followed up, and of them abstinent, by group), so a cohort's figure is the pooled
share over every interview and every attempt, as the study's is. Deaths before the follow-up are
left out (the study followed survivors).

Nothing here changes anyone's course: it only observes.
"""

from __future__ import annotations

import numpy as np

from simulation.model.mechanisms.recovery import QUARTER_DAYS
from simulation.model.population import DECEASED, NEVER, RECOVERING, PopulationState

#: The study's duration groups (days abstinent at the interview): 1-12 months, 1-3 years, 3+
#: years. Not parameters: they define the published figure the model is compared with.
DURATION_GROUPS_DAYS = (30, 365, 1095)
GROUPS = ("under_1_year", "1_to_3_years", "3_years_or_more")
#: Quarters between an interview and its follow-up: four quarterly interviews make the year.
FOLLOW_UP_QUARTERS = 4
#: The shortest run that follows up every group: the first quarter end at or after three years
#: (day 1,183), plus a year of quarters (the 3+ years group needs an interview after 3 years).
DAYS_TO_FOLLOW_UP_EVERY_GROUP = (
    -(-DURATION_GROUPS_DAYS[-1] // QUARTER_DAYS) + FOLLOW_UP_QUARTERS
) * QUARTER_DAYS
NO_GROUP = -1


def duration_group(days_abstinent: np.ndarray) -> np.ndarray:
    """The study's group of each duration of abstinence (NO_GROUP under a month)."""
    return (np.searchsorted(DURATION_GROUPS_DAYS, days_abstinent, side="right") - 1).astype(np.int8)


def record_interview(people: PopulationState, day: int) -> None:
    """At the end of each quarter: follow up the interviews of a year ago, then interview.

    Args:
        people: the population (`interview_group`, `next_year_interviews` and
            `next_year_abstinent` are updated).
        day: today; nothing happens unless a quarter ends today.
    """
    if day % QUARTER_DAYS != 0:
        return
    rows = people.participants
    slot = (day // QUARTER_DAYS) % FOLLOW_UP_QUARTERS
    alive = people.status[rows] != DECEASED
    earlier = people.interview_group[rows, slot]
    followed = np.flatnonzero(alive & (earlier != NO_GROUP))
    groups = earlier[followed]
    stayed = people.last_use_day[rows][followed] <= day - FOLLOW_UP_QUARTERS * QUARTER_DAYS
    np.add.at(people.next_year_interviews[rows], (followed, groups), 1)  # a view: in place
    np.add.at(people.next_year_abstinent[rows], (followed[stayed], groups[stayed]), 1)

    entry = people.entry_day[rows]
    arrived = (entry != NEVER) & (entry <= day)
    since = day - np.maximum(people.last_use_day[rows], entry)
    group = duration_group(since)
    interviewed = arrived & alive & (people.status[rows] == RECOVERING)
    people.interview_group[rows, slot] = np.where(interviewed, group, NO_GROUP)
