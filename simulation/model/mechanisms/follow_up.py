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

from simulation.model.compiled import kernel
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
    _record_interview(
        people.participants.stop,
        (day // QUARTER_DAYS) % FOLLOW_UP_QUARTERS,
        day,
        day - FOLLOW_UP_QUARTERS * QUARTER_DAYS,
        np.array(DURATION_GROUPS_DAYS),
        people.status,
        people.last_use_day,
        people.entry_day,
        people.interview_group,
        people.next_year_interviews,
        people.next_year_abstinent,
    )


@kernel
def _record_interview(
    participants,
    slot,
    day,
    year_ago,
    groups_from,
    status,
    last_use_day,
    entry_day,
    interview_group,
    interviews,
    abstinent,
):
    # For the participants' rows (the first ones): follow up the interview in `slot` (a year
    # ago) of everyone alive, then interview everyone arrived, alive and in recovery, in the
    # group of their days since their last use (or entry): NO_GROUP under the first bound.
    for i in range(participants):
        alive = status[i] != DECEASED
        earlier = interview_group[i, slot]
        if alive and earlier != NO_GROUP:
            interviews[i, earlier] += 1
            if last_use_day[i] <= year_ago:
                abstinent[i, earlier] += 1
        entry = entry_day[i]
        group = NO_GROUP
        if entry != NEVER and entry <= day and alive and status[i] == RECOVERING:
            since = day - max(last_use_day[i], entry)
            for bound in groups_from:
                group += since >= bound
        interview_group[i, slot] = group
