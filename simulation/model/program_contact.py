"""The day's mentor contact in one compiled pass over the mentees' rows (issue 17).

`program.deliver_contact` is a chain of mechanisms: the planned chance of a contact
(`setting`), the share a weak alliance keeps (`alliance.contact_ratio`), the mentor's quality
(`training`, `mentor_wellbeing.support_quality_ratio`), the contact and what it gives
(`mentoring.make_contact`), the alliance's growth, fading, ruptures and repairs
(`alliance.update`) and boundary incidents (`mentor_wellbeing.boundary_incidents`,
`alliance.boundary_incident`). Each row's steps read only that row and its mentor's burnout
(which incidents change only after every row's contact), so one loop does them all, in the
same order and with the same arithmetic as those functions.

The loop covers the participants' rows only: nobody else is ever matched with a mentor, so the
other rows keep the support and alliance of 0 they started with (fading or clipping 0 leaves
0), have no contact and no incident.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from simulation.model.compiled import kernel
from simulation.model.mechanisms import mentor_wellbeing, setting
from simulation.model.mechanisms.alliance import PairRecord
from simulation.model.population import NEVER, PopulationState
from simulation.model.units import rate_to_probability

if TYPE_CHECKING:
    from simulation.scenario.schema import Scenario


class ContactDraws(NamedTuple):
    """The day's uniform draws of the contact step, one per person each (float32)."""

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
    # Each draw is compared in the dtype NumPy promoted it to, as the mechanisms do.
    rupture_p = fading.rupture_chance_per_contact * p.training.rupture_ratio()
    rupture_below = float(np.asarray(rupture_p, dtype=np.result_type(draws.rupture, rupture_p)))
    repair_share = p.training.repair_share()
    repair_below = float(np.asarray(repair_share, dtype=np.result_type(draws.repair, repair_share)))
    boundary_p = rate_to_probability(
        wellbeing.boundary_incident_rate_per_year
        / mentor_wellbeing.CONTACTS_PER_YEAR_AT_WEEKLY
        * p.training.over_involvement()
    )
    boundary_below = float(np.asarray(boundary_p, dtype=np.result_type(draws.boundary, boundary_p)))
    contacts = np.zeros(people.size, dtype=bool)
    digital_contacts = np.zeros(people.size, dtype=bool)
    hits = np.zeros(people.size, dtype=np.int64)
    count = _deliver_kernel(
        (people.mentor[:n], people.alliance[:n], people.support[:n], people.self_efficacy[:n]),
        (record.last_contact_day[:n], record.matched_day[:n], record.ruptures[:n]),
        (record.repairs[:n], record.boundary_incidents[:n], people.burnout, hits),
        (
            anyone,
            in_person,
            resident,
            p.setting.kind == "residential",
            people.residence_days_left[:n],
            np.zeros(0, dtype=bool) if extra is None else extra[:n],
        ),
        tuple(d[:n] for d in draws),
        (
            fading.full_contact_alliance,
            p.training.support_quality(),
            wellbeing.enabled,
            wellbeing.burnout_quality_loss,
            p.setting.digital_contact_intensity,
            0.5 ** (1.0 / p.mentoring.support_half_life_days),
            p.mentoring.self_efficacy_gain_per_contact,
        ),
        (today, fading.missed_contact_days, 0.5 ** (1.0 / fading.fade_half_life_days)),
        (rupture_below, repair_below, boundary_below),
        (
            fading.growth_per_contact,
            fading.repair_alliance_gain,
            fading.rupture_alliance_loss,
            fading.boundary_incident_alliance_loss,
        ),
        (contacts[:n], digital_contacts[:n]),
    )
    if count:  # some incident: every row's burnout is recomputed and clipped, as NumPy did
        mentor_wellbeing.add_incident_burnout(people.burnout, hits, wellbeing)
    return contacts, digital_contacts


@kernel
def _deliver_kernel(pairs, record, counts, chances, draws, quality, silence, below, changes, out):
    """`deliver` for each participant's row: contact, support, alliance, incidents."""
    mentor, alliance, support, self_efficacy = pairs
    last_contact, matched, ruptures = record
    repairs, incidents, burnout, hits = counts
    anyone, in_person, resident_chance, residential, residence_days_left, extra = chances
    contact_draw, rupture_draw, repair_draw, boundary_draw = draws
    full, training_quality, wellbeing, quality_loss, digital_intensity, fade, gain = quality
    day, missed_days, alliance_fade = silence
    rupture_below, repair_below, boundary_below = below
    growth, repair_gain, rupture_loss, incident_loss = changes
    contacts, digital_contacts = out
    has_extra = len(extra) > 0
    count = 0
    for i in range(len(mentor)):  # branch-free (selects): mentees are spread over the rows
        s, a, m = support[i] * fade, alliance[i], mentor[i]
        paired = m != NEVER
        # setting.planned_contact_probability times alliance.contact_ratio; extra: certain.
        kept = a / full
        kept = kept if kept < 1.0 or kept != kept else 1.0  # np.minimum(1.0, kept)
        resident = residential & (residence_days_left[i] > 0)
        chance = (resident_chance if resident else anyone) * kept
        personal = (resident_chance if resident else in_person) * kept
        chance = 1.0 if has_extra and extra[i] else chance
        # support_quality: training times the share burnout leaves (1 when wellbeing is off).
        kept_quality = 1.0 - quality_loss * burnout[max(m, 0)] if wellbeing else 1.0
        q = training_quality * kept_quality
        # mentoring.make_contact (setting.contact_intensity: in person below `personal`).
        d = np.float64(contact_draw[i])
        met = paired & (d < chance)
        intensity = 1.0 if d < personal else digital_intensity
        topped = s if s > intensity or s != s else intensity  # np.maximum
        support[i] = topped if met else s
        se = self_efficacy[i]
        self_efficacy[i] = se + gain * (a * q) * (1.0 - se) if met else se
        last = day if met else last_contact[i]  # alliance.record_contact
        last_contact[i] = last
        contacts[i] = met
        digital_contacts[i] = met & (d >= personal)
        # alliance.update (every row is clipped)
        silent = paired & (day - max(last, matched[i]) > missed_days)
        a = a + growth * q * (1.0 - a) if met else (a * alliance_fade if silent else a)
        ruptured = met & (rupture_draw[i] < rupture_below)
        repaired = ruptured & (repair_draw[i] < repair_below)
        a = a + repair_gain if repaired else (a - rupture_loss if ruptured else a)
        ruptures[i] += ruptured
        repairs[i] += repaired
        a = 0.0 if a < 0.0 else (1.0 if a > 1.0 else a)
        # mentor_wellbeing.boundary_incidents, then alliance.boundary_incident
        if (
            wellbeing & met & (boundary_draw[i] < boundary_below)
        ):  # one branch, on the rare incident
            hits[m] += 1
            count += 1
            lowered = a - incident_loss
            a = 0.0 if lowered < 0.0 else lowered
            incidents[i] += 1
        alliance[i] = a
    return count
