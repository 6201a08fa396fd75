"""The working alliance of a mentor-mentee pair: it grows, fades, ruptures and is repaired.

A new pair starts from its match quality (`matching.starting_alliance`). A weak alliance keeps
fewer of the planned contacts (`contact_ratio`), so weak pairs drift. Each delivered contact
closes part of the gap to 1, more so from a mentor trained in empathic listening. Weeks without
contact let it fade. A contact can go wrong (a rupture: a misunderstanding, a broken promise);
a mentor trained in conflict resolution repairs most ruptures, and a repaired rupture leaves the
bond a little stronger, while an unrepaired one costs a large part of it. Boundary incidents (an
over-involved mentor) cost alliance too. A pair whose alliance falls below
`dissolution_alliance` breaks up (a failed match), and its mentee waits `rematch_wait_days`
before a new mentor is found; supervision reviews rematch weak pairs before they fail.

Sizes. The alliance predicts outcome across 295 studies (r = 0.28; Fluckiger et al. 2018).
Ruptures are common and their repair goes with better outcomes (Eubanks, Muran & Safran 2018,
Psychotherapy 55:508, r = 0.29; not re-read for this model). Rates and drops here are
assumptions, chosen so that about one pair in five fails within a year without conflict-
resolution training; explore them with wide ranges.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from simulation.model.compiled import kernel, map_pages
from simulation.model.population import NEVER, PopulationState
from simulation.scenario.parameters import Section, parameter

_ASSUMED = "assumption (no peer-mentoring estimate; see module docstring)"


class AllianceParams(Section):
    """How a pair's alliance moves."""

    growth_per_contact: float = parameter(
        0.12,
        unit="share of the gap to 1",
        source="assumption (the alliance forms over the first few sessions; Fluckiger et al. 2018)",
        description="share of the way to a full alliance one full-quality contact covers",
        ge=0.0,
        le=1.0,
    )
    missed_contact_days: int = parameter(
        30,
        unit="days",
        source=_ASSUMED,
        description="days without contact after which the alliance starts to fade",
        ge=1,
        le=365,
    )
    fade_half_life_days: float = parameter(
        120.0,
        unit="days",
        source=_ASSUMED,
        description="half-life of the alliance while contacts are missed",
        gt=0.0,
        le=3650.0,
    )
    rupture_chance_per_contact: float = parameter(
        0.08,
        unit="probability per contact",
        source="assumption; Eubanks et al. 2018 (ruptures are frequent in helping relationships)",
        description="chance a contact with a mentor untrained in empathic listening ruptures",
        ge=0.0,
        le=1.0,
    )
    rupture_alliance_loss: float = parameter(
        0.35,
        unit="0-1 alliance",
        source=_ASSUMED,
        description="alliance lost to a rupture that is not repaired",
        ge=0.0,
        le=1.0,
    )
    repair_alliance_gain: float = parameter(
        0.03,
        unit="0-1 alliance",
        source="assumption; Eubanks et al. 2018 (repaired ruptures go with better outcomes)",
        description="alliance gained when a rupture is repaired",
        ge=0.0,
        le=1.0,
    )
    boundary_incident_alliance_loss: float = parameter(
        0.2,
        unit="0-1 alliance",
        source=_ASSUMED,
        description="alliance lost to a boundary incident (an over-involved mentor)",
        ge=0.0,
        le=1.0,
    )
    dissolution_alliance: float = parameter(
        0.2,
        unit="0-1 alliance",
        source=_ASSUMED,
        description="alliance below which a pair breaks up (a failed match)",
        ge=0.0,
        le=1.0,
    )
    rematch_wait_days: int = parameter(
        28,
        unit="days",
        source="assumption (a broken-down pair is re-referred; weeks pass before a new match)",
        description="days a mentee whose pair failed waits before a new mentor",
        ge=0,
        le=365,
    )
    full_contact_alliance: float = parameter(
        0.7,
        unit="0-1 alliance",
        source="assumption; Sharf, Primavera & Diener 2010 (a weak alliance predicts dropout, d = 0.55)",
        description="alliance at and above which a pair keeps all planned contacts (below it, in proportion)",
        gt=0.0,
        le=1.0,
    )
    weak_alliance_decay_ratio: float = parameter(
        3.0,
        unit="ratio",
        source=(
            "assumption, range 1-6; direction from Sharf, Primavera & Diener 2010 (a weak "
            "alliance predicts dropout, d = 0.55) and Meier, Barrowclough & Donmall 2005 "
            "(alliance predicts retention in drug treatment)"
        ),
        description=(
            "how much faster a mentee's engagement fades with no alliance at all than at "
            "`full_contact_alliance` (linear in between)"
        ),
        ge=1.0,
        le=20.0,
    )
    awareness_window_days: int = parameter(
        7,
        unit="days",
        source="assumption (a mentor in touch this week hears of a lapse)",
        description="a mentor learns of a lapse if the pair had contact within this many days",
        ge=0,
        le=365,
    )


@dataclass
class PairRecord:
    """Per-person pair history the model keeps beside the population arrays.

    Attributes:
        last_contact_day: day of the person's last delivered mentor contact (NEVER if none).
        matched_day: day the person's current (or last) pair was formed (0 if never matched).
        wait_until: first day a mentee whose pair failed may be matched again.
        failed_matches: pairs that broke down (the alliance dissolved, or a random breakup).
        rematches: pairs ended at a supervision review so the mentee could be rematched.
        ruptures: ruptures of the pair's alliance.
        repairs: ruptures that were repaired.
        boundary_incidents: boundary incidents in the mentee's pairs.
    """

    last_contact_day: np.ndarray
    wait_until: np.ndarray
    failed_matches: np.ndarray
    rematches: np.ndarray
    ruptures: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    repairs: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    boundary_incidents: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    matched_day: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))

    @classmethod
    def empty(cls, n: int) -> PairRecord:
        """A record for `n` people with no pair history.

        Args:
            n: number of people (population rows).

        Returns:
            The empty record.
        """
        record = cls(*(np.zeros(n, dtype=np.int32) for _ in fields(cls)))
        record.last_contact_day[:] = NEVER
        map_pages(vars(record).values())  # kernels read some only under masks: see map_pages
        return record


def record_contact(record: PairRecord, contact: np.ndarray, day: int) -> None:
    """Remember today (`day`) in `record` as the last contact day of the `contact` mask's people."""
    record.last_contact_day[contact] = day


def record_matches(record: PairRecord, rows: np.ndarray, day: int) -> None:
    """Remember today (`day`) in `record` as the day the new pairs of mentees `rows` formed."""
    record.matched_day[rows] = day


def met(record: PairRecord, rows: np.ndarray | slice) -> np.ndarray:
    """Whether each of these mentees had a contact in their current (or last) pair.

    Contacts with an earlier mentor do not count: a new pair starts with no contact.

    Args:
        record: the pair record.
        rows: mentee rows.

    Returns:
        Mask over `rows`.
    """
    return record.last_contact_day[rows] >= record.matched_day[rows]


def contact_ratio(people: PopulationState, params: AllianceParams) -> np.ndarray:
    """Share of planned contacts a pair keeps: a weak alliance misses appointments.

    Args:
        people: population state.
        params: alliance parameters (`full_contact_alliance`).

    Returns:
        `min(1, alliance / full_contact_alliance)` for matched mentees, 0 for everyone else.
    """
    return _kept_kernel(people.mentor, people.alliance, params.full_contact_alliance, np.nan)


@kernel
def _kept_kernel(mentor, alliance, full, slope):
    """`contact_ratio` in one pass; with a slope, `engagement_decay_ratio` from it."""
    decay = not np.isnan(slope)
    ratio = np.empty(len(mentor))
    for i in range(len(mentor)):  # branch-free (selects): mentees are spread over the rows
        kept = alliance[i] / full
        kept = kept if kept < 1.0 or kept != kept else 1.0  # np.minimum(1.0, kept)
        weak = 1.0 - kept  # the weakness clip(1 - alliance / full, 0, 1): never below 0
        value = 1.0 + slope * (1.0 if weak > 1.0 else weak) if decay else kept
        ratio[i] = value if mentor[i] != NEVER else (1.0 if decay else 0.0)
    return ratio


def engagement_decay_ratio(people: PopulationState, params: AllianceParams) -> np.ndarray:
    """Ratio on a mentee's engagement decay: a weak alliance makes people drift away.

    Args:
        people: population state.
        params: alliance parameters (`weak_alliance_decay_ratio`, `full_contact_alliance`).

    Returns:
        1 at or above `full_contact_alliance`, rising linearly to `weak_alliance_decay_ratio`
        at alliance 0, for matched mentees; 1 for everyone else.
    """
    slope = params.weak_alliance_decay_ratio - 1.0
    return _kept_kernel(people.mentor, people.alliance, params.full_contact_alliance, slope)


def aware_of_lapse(
    people: PopulationState, params: AllianceParams, record: PairRecord, day: int
) -> np.ndarray:
    """Mentees whose mentor would learn of a lapse today: in contact within the window.

    Args:
        people: population state.
        params: alliance parameters (the awareness window).
        record: the pair record (last contact days).
        day: today.

    Returns:
        Mask of matched mentees whose pair (this mentor, not an earlier one) had a contact in
        the last `awareness_window_days`.
    """
    recent = record.last_contact_day >= day - params.awareness_window_days
    return (people.mentor != NEVER) & recent & met(record, slice(None))


def update(
    people: PopulationState,
    params: AllianceParams,
    record: PairRecord,
    contact: np.ndarray,
    day: int,
    quality: np.ndarray | float,
    rupture_ratio: float,
    repair_share: float,
    draws: tuple[np.ndarray, np.ndarray],
) -> None:
    """Today's alliance change for every pair: growth, fading, ruptures and repair.

    Args:
        people: population state (`alliance` is changed).
        params: alliance parameters.
        record: pair record (ruptures and repairs are counted).
        contact: mask of mentees with a contact today.
        day: today.
        quality: the mentor's support quality (training, burnout), per mentee or one number.
        rupture_ratio: multiplier on the rupture chance (empathic-listening training lowers it).
        repair_share: chance that a rupture is repaired (conflict-resolution training raises it).
        draws: two uniform draws per person, (rupture, repair).
    """
    shape = people.alliance.shape  # every input one per person (or one number), as in NumPy
    quality = np.broadcast_to(np.asarray(quality, dtype=float), shape)
    contact, rupture_draw, repair_draw = (np.broadcast_to(a, shape) for a in (contact, *draws))
    rupture_p = params.rupture_chance_per_contact * rupture_ratio
    # `draw < p` compares in NumPy's promoted dtype: a Python float meets float32 draws as one.
    rupture_below = float(np.asarray(rupture_p, dtype=np.result_type(rupture_draw, rupture_p)))
    repair_below = float(np.asarray(repair_share, dtype=np.result_type(repair_draw, repair_share)))
    fade = 0.5 ** (1.0 / params.fade_half_life_days)
    _update_kernel(
        (people.mentor, people.alliance, contact, quality),
        (record.last_contact_day, record.matched_day, day, params.missed_contact_days, fade),
        (rupture_draw, rupture_below, repair_draw, repair_below, record.ruptures, record.repairs),
        (params.growth_per_contact, params.repair_alliance_gain, params.rupture_alliance_loss),
    )


@kernel
def _update_kernel(pairs, silence, draws, changes):
    """`update` in one pass over every row."""
    mentor, alliance, contact, quality = pairs
    last_contact, matched, day, missed_days, fade = silence
    rupture_draw, rupture_below, repair_draw, repair_below, ruptures, repairs = draws
    growth_per_contact, repair_gain, rupture_loss = changes
    for i in range(len(alliance)):  # branch-free (selects): mentees are spread over the rows
        a, paired = alliance[i], mentor[i] != NEVER
        met = paired & contact[i]
        silent = paired & (day - max(last_contact[i], matched[i]) > missed_days)
        a = a + growth_per_contact * quality[i] * (1.0 - a) if met else (a * fade if silent else a)
        ruptured = met & (rupture_draw[i] < rupture_below)
        repaired = ruptured & (repair_draw[i] < repair_below)
        a = a + repair_gain if repaired else (a - rupture_loss if ruptured else a)
        ruptures[i] += ruptured
        repairs[i] += repaired
        alliance[i] = 0.0 if a < 0.0 else (1.0 if a > 1.0 else a)  # every row is clipped


def boundary_incident(
    people: PopulationState, params: AllianceParams, record: PairRecord, mentees: np.ndarray
) -> None:
    """A boundary incident costs these mentees' pairs alliance.

    Args:
        people: population state (`alliance` is changed).
        params: alliance parameters.
        record: pair record (incidents are counted).
        mentees: mask of mentees whose pair had an incident today.
    """
    mentees = np.broadcast_to(mentees, people.alliance.shape)
    loss = params.boundary_incident_alliance_loss
    _incident_kernel(people.alliance, record.boundary_incidents, mentees, loss)


@kernel
def _incident_kernel(alliance, incidents, mentees, loss):
    """`boundary_incident` in one pass."""
    for i in range(len(alliance)):  # one branch, on the rare incident
        if mentees[i]:
            lowered = alliance[i] - loss
            alliance[i] = 0.0 if lowered < 0.0 else lowered  # np.maximum(0.0, lowered)
            incidents[i] += 1


def dissolving(people: PopulationState, params: AllianceParams) -> np.ndarray:
    """Pairs whose alliance has fallen below the dissolution level.

    Args:
        people: population state.
        params: alliance parameters.

    Returns:
        Rows of the mentees of those pairs.
    """
    matched = people.mentor != NEVER
    return np.flatnonzero(matched & (people.alliance < params.dissolution_alliance))


def mark_failed(record: PairRecord, params: AllianceParams, rows: np.ndarray, day: int) -> None:
    """Count failed pairs; their mentees wait `rematch_wait_days` before a new match.

    Args:
        record: pair record.
        params: alliance parameters (the rematch wait).
        rows: mentees of the failed pairs.
        day: today.
    """
    record.failed_matches[rows] += 1
    record.wait_until[rows] = day + params.rematch_wait_days


def mark_rematched(record: PairRecord, rows: np.ndarray) -> None:
    """Count pairs a supervision review ended so that the mentee is rematched at once.

    Args:
        record: pair record.
        rows: mentees of the pairs ended at review.
    """
    record.rematches[rows] += 1


def may_be_matched(record: PairRecord, day: int) -> np.ndarray:
    """People not waiting after a failed pair.

    Args:
        record: pair record.
        day: today.

    Returns:
        Mask of people who may be matched today.
    """
    return record.wait_until <= day
