"""The day's mentor contact in two compiled passes over the participants' rows (issue 17).

`program.deliver_contact` is a chain of mechanisms: the planned chance of a contact
(`setting`), the share a weak alliance keeps (`alliance.contact_ratio`), the mentor's quality
(`training`, `mentor_wellbeing.support_quality_ratio`), the contact and what it gives
(`mentoring.make_contact`), the alliance's growth, fading, ruptures and repairs
(`alliance.update`) and boundary incidents (`mentor_boundaries.boundary_incidents`,
`alliance.boundary_incident`). Each row's steps read only that row and its mentor's burnout
(which incidents change only after every row's contact), so two loops do them all, in the
same order and with the same arithmetic as those functions: a branch-free one over every row
(who has a contact, support, the fading of the others' alliance), then one over the rows with
a contact (the mentor's quality, self-efficacy, the alliance's growth, ruptures, incidents).

The loops cover the participants' rows only: nobody else is ever matched with a mentor, so the
other rows keep the support and alliance of 0 they started with (fading or clipping 0 leaves
0), have no contact and no incident.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from simulation.model.compiled import kernel
from simulation.model.mechanisms import mentor_boundaries, setting
from simulation.model.mechanisms.alliance import AllianceParams, PairRecord
from simulation.model.population import NEVER, PopulationState

if TYPE_CHECKING:
    from simulation.scenario.schema import Scenario


class ContactDraws(NamedTuple):
    """The day's uniform draws of the contact step (float32).

    `contact` is one draw per person (every pair's row reads it); `rupture`, `repair` and
    `boundary` are read only at the rows with a contact, so they may be `RowDraws` (made for
    those rows alone) or full arrays: anything that `draws[rows]` gives the rows' draws of.
    """

    contact: np.ndarray
    rupture: np.ndarray
    repair: np.ndarray
    boundary: np.ndarray


def deliver(
    people: PopulationState,
    scenario: Scenario,
    record: PairRecord,
    draws: ContactDraws,
    extra: np.ndarray | None,
    today: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Today's mentor contacts, their effect on support and self-efficacy, and the alliance.

    Args:
        people: the population (`support`, `self_efficacy`, `alliance` and mentors' `burnout`
            change).
        scenario: the run's scenario.
        record: the pair record (last contact days, ruptures, repairs, incidents change).
        draws: the day's draws.
        extra: mask of people sure of a contact today (adaptive outreach, a first meeting due),
            or None.
        today: today.

    Returns:
        (who had a contact, which of those contacts were digital).
    """
    p = scenario
    n = people.participants.stop
    (anyone, in_person), resident = setting.contact_chances(
        p.setting, p.mentoring.contacts_per_week, today
    )
    wellbeing = p.mentor_wellbeing
    fading = p.mentoring.alliance
    contacts = np.zeros(people.size, dtype=bool)
    digital_contacts = np.zeros(people.size, dtype=bool)
    mentor, alliance = people.mentor[:n], people.alliance[:n]
    last_contact = record.last_contact_day[:n]
    _contact_kernel(
        (mentor, alliance, people.support[:n], last_contact, record.matched_day[:n]),
        (
            anyone,
            in_person,
            resident,
            p.setting.kind == "residential",
            people.residence_days_left[:n],
            np.zeros(n, dtype=bool) if extra is None else extra[:n],
            draws.contact[:n],
        ),
        (
            fading.full_contact_alliance,
            p.setting.digital_contact_intensity,
            0.5 ** (1.0 / p.mentoring.support_half_life_days),
        ),
        (today, fading.missed_contact_days, 0.5 ** (1.0 / fading.fade_half_life_days)),
        (contacts[:n], digital_contacts[:n]),
    )
    # The later draws are read at the rows with a contact only (a few of the pairs a day).
    met = np.flatnonzero(contacts[:n])
    rupture, repair, boundary = draws.rupture[met], draws.repair[met], draws.boundary[met]
    # Each draw is compared in the dtype NumPy promoted it to, as the mechanisms do.
    rupture_p = fading.rupture_chance_per_contact * p.training.rupture_ratio()
    rupture_below = float(np.asarray(rupture_p, dtype=np.result_type(rupture, rupture_p)))
    repair_share = p.training.repair_share()
    repair_below = float(np.asarray(repair_share, dtype=np.result_type(repair, repair_share)))
    boundary_p = mentor_boundaries.incident_chance(wellbeing, p.training.over_involvement())
    boundary_below = float(np.asarray(boundary_p, dtype=np.result_type(boundary, boundary_p)))
    hits = np.zeros(people.size, dtype=np.int64)
    hit_mentors = _contacted_kernel(
        (mentor, alliance, people.self_efficacy[:n], met, people.burnout),
        (record.ruptures[:n], record.repairs[:n], record.boundary_incidents[:n], hits),
        (rupture, repair, boundary),
        (rupture_below, repair_below, boundary_below),
        (
            p.training.support_quality(),
            wellbeing.enabled,
            wellbeing.burnout_quality_loss,
            p.mentoring.self_efficacy_gain_per_contact,
        ),
        (
            fading.growth_per_contact,
            fading.repair_alliance_gain,
            fading.rupture_alliance_loss,
            fading.boundary_incident_alliance_loss,
        ),
    )
    if len(hit_mentors):  # every burnout is within 0-1 (the daily update clips each row)
        mentor_boundaries.add_incident_burnout(people.burnout, hits, wellbeing, hit_mentors)
    return contacts, digital_contacts


@kernel
def _contact_kernel(pairs, chances, quality, silence, out):
    """Who has a contact, support, and the alliance of the rows without one (their fading).

    Branch-free (selects), so it vectorizes: the mentor's quality (a gather of their burnout)
    is left to `_contacted_kernel`, for the rows with a contact, whose alliance it leaves alone.
    """
    mentor, alliance, support, last_contact, matched = pairs
    anyone, in_person, resident_chance, residential, residence_days_left, extra, draw = chances
    full, digital_intensity, fade = quality
    day, missed_days, alliance_fade = silence
    contacts, digital_contacts = out
    for i in range(len(mentor)):
        s, a, paired = support[i] * fade, alliance[i], mentor[i] != NEVER
        # setting.planned_contact_probability times alliance.contact_ratio; extra: certain.
        kept = a / full
        kept = kept if kept < 1.0 or kept != kept else 1.0  # np.minimum(1.0, kept)
        resident = residential & (residence_days_left[i] > 0)
        chance = (resident_chance if resident else anyone) * kept
        personal = (resident_chance if resident else in_person) * kept
        chance = 1.0 if extra[i] else chance
        # mentoring.make_contact (setting.contact_intensity: in person below `personal`).
        d = np.float64(draw[i])
        met = paired & (d < chance)
        intensity = 1.0 if d < personal else digital_intensity
        topped = s if s > intensity or s != s else intensity  # np.maximum
        support[i] = topped if met else s
        last = day if met else last_contact[i]  # alliance.record_contact
        last_contact[i] = last
        contacts[i] = met
        digital_contacts[i] = met & (d >= personal)
        # alliance.update without a contact: silence fades it; every row is clipped.
        silent = paired & (day - max(last, matched[i]) > missed_days)
        a = a * alliance_fade if silent else a
        a = 0.0 if a < 0.0 else (1.0 if a > 1.0 else a)
        alliance[i] = alliance[i] if met else a


@kernel
def _contacted_kernel(pairs, counts, draws, below, quality, changes):
    """The rows with a contact (`met`, ascending; the draws are theirs, in that order)."""
    mentor, alliance, self_efficacy, met, burnout = pairs
    ruptures, repairs, incidents, hits = counts
    rupture_draw, repair_draw, boundary_draw = draws
    rupture_below, repair_below, boundary_below = below
    training_quality, wellbeing, quality_loss, gain = quality
    growth, repair_gain, rupture_loss, incident_loss = changes
    hit_mentors = np.empty(len(met), dtype=np.int64)
    count = 0
    for k in range(len(met)):  # the day's few contacts
        i = met[k]
        m, a, se = mentor[i], alliance[i], self_efficacy[i]
        # support_quality: training times the share burnout leaves (1 when wellbeing is off).
        q = training_quality * (1.0 - quality_loss * burnout[m] if wellbeing else 1.0)
        self_efficacy[i] = se + gain * (a * q) * (1.0 - se)  # mentoring.make_contact
        # alliance.update (a contact: growth, then a rupture, perhaps repaired; clipped)
        a = a + growth * q * (1.0 - a)
        ruptured = rupture_draw[k] < rupture_below
        repaired = ruptured & (repair_draw[k] < repair_below)
        a = a + repair_gain if repaired else (a - rupture_loss if ruptured else a)
        ruptures[i] += ruptured
        repairs[i] += repaired
        a = 0.0 if a < 0.0 else (1.0 if a > 1.0 else a)
        # mentor_boundaries.boundary_incidents, then alliance.boundary_incident
        if wellbeing & (boundary_draw[k] < boundary_below):
            if hits[m] == 0:  # each mentor once
                hit_mentors[count] = m
                count += 1
            hits[m] += 1
            lowered = a - incident_loss
            a = 0.0 if lowered < 0.0 else lowered
            incidents[i] += 1
        alliance[i] = a
    return hit_mentors[:count]


def aware_of_lapse(
    people: PopulationState,
    params: AllianceParams,
    record: PairRecord,
    checked_in: np.ndarray | None,
    day: int,
) -> np.ndarray:
    """Mentees whose mentor learns of a lapse: a recent contact, or a digital check-in.

    `alliance.aware_of_lapse` or `digital.checking_in`, in one pass over the participants' rows.

    Args:
        people: the population.
        params: alliance parameters (the awareness window).
        record: the pair record (last contact and match days).
        checked_in: mask of people whose check-ins alert their mentor, or None for nobody.
        day: today.

    Returns:
        Mask of mentees whose mentor knows.
    """
    n = people.participants.stop
    aware = np.zeros(people.size, dtype=bool)
    _aware_kernel(
        (people.mentor[:n], record.last_contact_day[:n], record.matched_day[:n]),
        np.zeros(n, dtype=bool) if checked_in is None else checked_in[:n],
        day - params.awareness_window_days,
        aware[:n],
    )
    return aware


@kernel
def _aware_kernel(pairs, checked_in, since, aware):
    """`paired & ((last >= since) & (last >= matched) | checked_in)`, branch-free."""
    mentor, last_contact, matched = pairs
    for i in range(len(mentor)):
        last = last_contact[i]
        recent = (last >= since) & (last >= matched[i])
        aware[i] = (mentor[i] != NEVER) & (recent | checked_in[i])


def escalation_ratio(
    people: PopulationState,
    scenario: Scenario,
    record: PairRecord,
    checked_in: np.ndarray | None,
    day: int,
) -> np.ndarray:
    """A mentor's and a supervisor's quick answer, as a ratio on a lapse's chance to escalate.

    `mentoring.rapid_response_ratio(aware_of_lapse(...))` times (when supervised)
    `supervision.escalation_ratio(aware)`, in one pass over the participants' rows without the
    mask: everyone else has no mentor, so no one who knows (a ratio of 1).

    Args:
        people: the population.
        scenario: the run's scenario.
        record: the pair record (last contact and match days).
        checked_in: mask of people whose check-ins alert their mentor, or None for nobody.
        day: today.

    Returns:
        Ratio per person.
    """
    p = scenario
    n = people.participants.stop
    ratio = np.empty(people.size)
    ratio[n:] = 1.0
    _escalation_kernel(
        (people.mentor[:n], record.last_contact_day[:n], record.matched_day[:n]),
        np.zeros(n, dtype=bool) if checked_in is None else checked_in[:n],
        day - p.mentoring.alliance.awareness_window_days,
        (people.alliance[:n], p.mentoring.rapid_response_effect),
        (p.supervision.enabled, 1.0 - p.supervision.lapse_response_effect),
        ratio[:n],
    )
    return ratio


@kernel
def _escalation_kernel(pairs, checked_in, since, answer, supervised, ratio):
    """`_aware_kernel`, then `1 - effect * alliance` (times `helped`) where aware, else 1."""
    mentor, last_contact, matched = pairs
    alliance, effect = answer
    supervision, helped = supervised
    for i in range(len(mentor)):  # branch-free (selects)
        last = last_contact[i]
        recent = (last >= since) & (last >= matched[i])
        aware = (mentor[i] != NEVER) & (recent | checked_in[i])
        r = 1.0 - effect * alliance[i] if aware else 1.0
        ratio[i] = r * (helped if aware else 1.0) if supervision else r


def support_quality(people: PopulationState, scenario: Scenario) -> np.ndarray:
    """Training's support quality times the share the mentor's burnout leaves, per person.

    `training.support_quality() * mentor_wellbeing.support_quality_ratio(...)` in one pass over
    the participants' rows (everyone else has no mentor: a ratio of 1).

    Args:
        people: the population.
        scenario: the run's scenario.

    Returns:
        Support quality per person.
    """
    p = scenario
    trained = p.training.support_quality()
    n = people.participants.stop
    quality = np.full(people.size, trained * 1.0)
    wellbeing = p.mentor_wellbeing
    _quality_kernel(
        people.mentor[:n],
        people.burnout,
        (wellbeing.enabled, wellbeing.burnout_quality_loss, trained),
        quality[:n],
    )
    return quality


@kernel
def _quality_kernel(mentor, burnout, rule, quality):
    """`trained * (1 - loss * burnout[mentor])` for mentees, `trained * 1` for the others."""
    enabled, loss, trained = rule
    for i in range(len(mentor)):  # branch-free: row 0 stands in for NEVER, then selects
        kept = 1.0 - loss * burnout[max(mentor[i], 0)] if enabled else 1.0
        quality[i] = trained * (kept if mentor[i] != NEVER else 1.0)


def support_hazard_ratio(
    people: PopulationState, scenario: Scenario, rows: np.ndarray | None = None
) -> np.ndarray:
    """`mentoring.hazard_ratio(people, p.mentoring, support_quality(people, p), rows)` in one pass.

    Each row's support quality is worked out where that row is read (no per-person quality
    array is made), with `support_quality`'s arithmetic: training times the share the mentor's
    burnout leaves for a mentee among the participants, training times 1 for everyone else.

    Args:
        people: the population.
        scenario: the run's scenario.
        rows: the rows to work out, in this order (default: every row).

    Returns:
        The support's lapse hazard ratio per row asked for (1 for people without support).
    """
    p = scenario
    rows = np.arange(people.size) if rows is None else rows
    wellbeing = p.mentor_wellbeing
    rule = (wellbeing.enabled, wellbeing.burnout_quality_loss, p.training.support_quality())
    ratio, at, dose = np.empty(len(rows)), np.empty(len(rows), np.int64), np.empty(len(rows))
    pairs = (people.mentor, people.support, people.alliance, people.burnout)
    n = people.participants.stop
    m = _support_dose_kernel(rows, pairs, rule, n, -p.mentoring.support_effect, (ratio, at, dose))
    ratio[at[:m]] = np.exp(dose[:m], out=dose[:m])  # exp(-0.0) would be exactly 1: not needed
    return ratio


@kernel
def _support_dose_kernel(rows, pairs, rule, n, effect, out):
    """1 per row, and the nonzero doses (`mentoring._dose_kernel`) with their places in front."""
    mentor, support, alliance, burnout = pairs
    enabled, loss, trained = rule
    ratio, at, dose = out
    m = 0
    for j in range(len(rows)):  # branch-free: row 0 stands in for NEVER, then selects
        i = rows[j]
        paired = mentor[i] != NEVER
        kept = 1.0 - loss * burnout[max(mentor[i], 0)] if enabled else 1.0
        quality = trained * (kept if paired & (i < n) else 1.0)  # `_quality_kernel`
        ratio[j] = 1.0
        at[m] = j
        dose[m] = effect * support[i] * (alliance[i] if paired else 1.0) * quality
        m += dose[m] != 0
    return m
