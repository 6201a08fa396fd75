"""Boundary incidents: over-involved mentors cross their mentees' boundaries, at contacts only.

A pair that never meets cannot cross a boundary, so incidents happen at the day's contacts, each
carrying a share of the yearly rate (`MentorWellbeingParams.boundary_incident_rate_per_year`)
scaled by how over-involved mentors are (boundary-setting training lowers it:
`training.over_involvement`). Each incident adds burnout to the mentor
(`burnout_per_boundary_incident`); the pair's alliance loss is `alliance.boundary_incident`.
The parameters live with the rest of mentor wellbeing (`mentor_wellbeing.py`).
"""

from __future__ import annotations

import numpy as np

from simulation.model.compiled import kernel
from simulation.model.mechanisms.mentor_wellbeing import MentorWellbeingParams
from simulation.model.population import NEVER, PopulationState
from simulation.model.units import rate_to_probability

#: The boundary-incident rate is stated per year at weekly contact (the default dose,
#: `mentoring.contacts_per_week=1`); incidents happen at contacts, so each contact carries this
#: share of the yearly rate and more contact means more occasions.
CONTACTS_PER_YEAR_AT_WEEKLY = 52.0


def incident_chance(params: MentorWellbeingParams, over_involvement: float) -> float:
    """The chance of a boundary incident at one contact (the yearly rate's share per contact).

    Args:
        params: wellbeing parameters (`boundary_incident_rate_per_year`).
        over_involvement: how over-involved mentors are (boundary training lowers it).
    """
    return rate_to_probability(
        params.boundary_incident_rate_per_year / CONTACTS_PER_YEAR_AT_WEEKLY * over_involvement
    )


def boundary_incidents(
    people: PopulationState,
    params: MentorWellbeingParams,
    over_involvement: float,
    draws: np.ndarray,
    contact: np.ndarray,
) -> np.ndarray:
    """Boundary incidents today, at contacts only: they add burnout; returns the mentees affected.

    Args:
        people: population state (`burnout` of mentors changes).
        params: wellbeing parameters.
        over_involvement: how over-involved mentors are (boundary training lowers it).
        draws: one uniform draw per person.
        contact: mask of mentees who had a contact with their mentor today.

    Returns:
        Mask of mentees whose pair had an incident.
    """
    if not params.enabled:
        return np.zeros(people.size, dtype=bool)
    p = incident_chance(params, over_involvement)
    below = float(np.asarray(p, dtype=np.result_type(draws, p)))  # NumPy's comparison dtype
    shape = people.mentor.shape
    contact, draws = np.broadcast_to(contact, shape), np.broadcast_to(draws, shape)
    incident, hits, count = _incident_kernel(people.mentor, contact, draws, below)
    if count:  # some incident: every row's burnout is recomputed and clipped, as NumPy did
        add_incident_burnout(people.burnout, hits, params)
    return incident


def add_incident_burnout(
    burnout: np.ndarray,
    hits: np.ndarray,
    params: MentorWellbeingParams,
    mentors: np.ndarray | None = None,
) -> None:
    """Mentors gain burnout from the day's boundary incidents (every row is then clipped).

    Args:
        burnout: burnout per person (changed in place).
        hits: each mentor's number of incidents today (0 for everyone else), one per person.
        params: wellbeing parameters (`burnout_per_boundary_incident`).
        mentors: the rows with hits, if known and every burnout is already within 0-1 (as
            the daily `update_burnout` leaves it): the other rows would gain 0 and stay as
            they are, so only these rows are worked on.
    """
    per_incident = params.burnout_per_boundary_incident
    if mentors is None:
        _incident_burnout_kernel(burnout, hits, per_incident)
    else:
        _incident_burnout_rows(burnout, hits, mentors, per_incident)


@kernel
def _incident_kernel(mentor, contact, draws, below):
    """Mentees with an incident (a contact and a draw below the chance), each row's count."""
    incident = np.zeros(len(mentor), dtype=np.bool_)
    hits = np.zeros(len(mentor), dtype=np.int64)
    count = 0
    for i in range(len(mentor)):  # one branch, on the rare incident (`&`: no short circuits)
        if contact[i] & (mentor[i] != NEVER) & (draws[i] < below):
            incident[i] = True
            hits[mentor[i]] += 1
            count += 1
    return incident, hits, count


@kernel
def _incident_burnout_rows(burnout, hits, rows, per_incident):
    """`_incident_burnout_kernel` on these rows only."""
    for i in rows:
        b = burnout[i]
        b += per_incident * hits[i] * (1.0 - b)
        burnout[i] = 0.0 if b < 0.0 else (1.0 if b > 1.0 else b)  # clip


@kernel
def _incident_burnout_kernel(burnout, hits, per_incident):
    """`burnout += per_incident * hits * (1 - burnout)`, clipped to 0-1, in one pass."""
    for i in range(len(burnout)):
        b = burnout[i]
        b += per_incident * hits[i] * (1.0 - b)
        burnout[i] = 0.0 if b < 0.0 else (1.0 if b > 1.0 else b)  # clip
