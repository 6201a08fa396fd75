"""Unit tests of tie dynamics: ties to people using dissolve, mentors introduce recovery ties."""

from __future__ import annotations

import numpy as np
import pytest
from people_factory import make_people

from simulation.model.mechanisms import network, tie_dynamics
from simulation.model.mechanisms.tie_dynamics import ROW_BITS, TieDynamicsParams
from simulation.model.population import (
    COMMUNITY,
    LAPSED,
    MENTOR,
    NEVER,
    NOT_AFFECTED,
    PARTICIPANT,
    RECOVERING,
    USING,
)
from simulation.model.random_streams import keyed_uniform

#: Rows: 0 participant in recovery, 1 community member using, 2 community member not affected,
#: 3 participant lapsed, 4 mentor in recovery, 5 participant using, 6 community member whose
#: status says recovering (community members are background: never "in recovery" here).
KINDS = [PARTICIPANT, COMMUNITY, COMMUNITY, PARTICIPANT, MENTOR, PARTICIPANT, COMMUNITY]
STATUS = [RECOVERING, USING, NOT_AFFECTED, LAPSED, RECOVERING, USING, RECOVERING]
EDGES = np.array([[0, 1], [0, 2], [1, 4], [0, 3], [3, 5], [5, 6], [2, 4]])
MIXED = [0, 2, 3]  # (0,1), (1,4), (0,3): someone in recovery with someone using or lapsed


def _people():
    return make_people(7, kind=KINDS, status=STATUS)


def test_at_chance_one_every_tie_between_recovery_and_use_dissolves():
    params = TieDynamicsParams(using_tie_dissolution_per_week=1.0)
    kept = tie_dynamics.dissolve_using_ties(EDGES, _people(), params, salt=5)
    assert kept.tolist() == np.delete(EDGES, MIXED, axis=0).tolist()


def test_at_chance_zero_or_without_ties_nothing_dissolves():
    params = TieDynamicsParams(using_tie_dissolution_per_week=0.0)
    assert tie_dynamics.dissolve_using_ties(EDGES, _people(), params, salt=5).tolist() == (
        EDGES.tolist()
    )
    empty = np.empty((0, 2), dtype=np.int64)
    assert len(tie_dynamics.dissolve_using_ties(empty, _people(), TieDynamicsParams(), 5)) == 0


def test_a_ties_fate_is_its_own_keyed_draw_whatever_other_ties_exist():
    params = TieDynamicsParams(using_tie_dissolution_per_week=0.5)
    people = _people()
    draws = keyed_uniform((EDGES[MIXED, 0] << ROW_BITS) | EDGES[MIXED, 1], 9)
    dropped = [row for row, u in zip(MIXED, draws, strict=True) if u < 0.5]
    kept = tie_dynamics.dissolve_using_ties(EDGES, people, params, salt=9)
    assert kept.tolist() == np.delete(EDGES, dropped, axis=0).tolist()
    # Without the other ties, each mixed tie meets the same fate (common random numbers).
    for row in MIXED:
        alone = tie_dynamics.dissolve_using_ties(EDGES[[row]], people, params, salt=9)
        assert (len(alone) == 0) == (row in dropped)


def test_the_weekly_share_of_ties_dropped_is_the_weekly_chance_with_fresh_draws_each_week():
    n = 20_000  # participants in recovery 0..n-1, each tied to a person using, n..2n-1
    people = make_people(2 * n, status=[RECOVERING] * n + [USING] * n)
    edges = np.column_stack([np.arange(n), np.arange(n, 2 * n)])
    p = 0.3
    params = TieDynamicsParams(using_tie_dissolution_per_week=p)
    dropped = []
    for week in range(2):
        kept = tie_dynamics.dissolve_using_ties(edges, people, params, salt=week)
        gone = np.ones(n, dtype=bool)
        gone[kept[:, 0]] = False
        dropped.append(gone)
        assert abs(gone.mean() - p) < 4 * np.sqrt(p * (1 - p) / n)
    # Two weeks' draws are independent: a tie is drawn to go in both weeks with chance p^2.
    both = (dropped[0] & dropped[1]).mean()
    assert abs(both - p**2) < 4 * np.sqrt(p**2 * (1 - p**2) / n)


def _introduction_state():
    # Mentor 4 knows rows 0 (a mentee), 2 (a participant in recovery) and 3 (a member using);
    # mentor 6 knows nobody. Mentees: 0 and 1 of mentor 4, 5 of mentor 6.
    people = make_people(
        7,
        kind=[PARTICIPANT, PARTICIPANT, PARTICIPANT, COMMUNITY, MENTOR, PARTICIPANT, MENTOR],
        status=[RECOVERING, RECOVERING, RECOVERING, USING, RECOVERING, RECOVERING, RECOVERING],
        mentor=[4, 4, NEVER, NEVER, NEVER, 6, NEVER],
        is_mentor=[False, False, False, False, True, False, True],
    )
    adjacency = network.adjacency_from_edges(np.array([[4, 0], [4, 2], [4, 3]]), 7)
    assert adjacency.indices[adjacency.indptr[4] : adjacency.indptr[5]].tolist() == [0, 2, 3]
    return people, adjacency


@pytest.mark.parametrize(
    ("pick", "introduced"),
    [
        # The mentor's first contact is mentee 0: not introduced to themself, but to mentee 1.
        (0.1, [[1, 0]]),
        (0.5, [[0, 2], [1, 2]]),  # the second: a participant in recovery
        (0.9, []),  # the third: someone using is not a recovery tie
    ],
)
def test_a_mentee_is_introduced_to_the_picked_contact_in_recovery(pick, introduced):
    people, adjacency = _introduction_state()
    params = TieDynamicsParams(mentor_introduction_per_week=0.05)
    draws = np.array([0.0, 0.04, 0.0, 0.0, 0.0, 0.0, 0.0])  # below the weekly 0.05
    picks = np.full(7, pick)
    new = tie_dynamics.mentor_introductions(adjacency, people, params, draws, picks)
    assert new.tolist() == introduced  # mentee 5's mentor knows nobody to introduce


def test_no_introductions_above_the_weekly_chance_or_without_mentees():
    people, adjacency = _introduction_state()
    params = TieDynamicsParams(mentor_introduction_per_week=0.05)
    picks = np.full(7, 0.5)
    assert (
        len(tie_dynamics.mentor_introductions(adjacency, people, params, np.full(7, 0.05), picks))
        == 0
    )
    people.mentor[:] = NEVER
    new = tie_dynamics.mentor_introductions(adjacency, people, params, np.zeros(7), picks)
    assert new.shape == (0, 2)


def test_added_ties_are_low_high_pairs_without_self_ties_or_duplicates():
    edges = np.array([[0, 3], [1, 2]])
    new = np.array([[3, 0], [2, 2], [4, 1], [1, 4]])
    assert tie_dynamics.add_ties(edges, new, 5).tolist() == [[0, 3], [1, 2], [1, 4]]
    assert tie_dynamics.add_ties(edges, np.empty((0, 2), np.int64), 5) is edges


def test_recovery_contagion_is_off_when_ties_do_not_change():
    contacts = np.array([0.0, 2.0])
    on = TieDynamicsParams(recovery_contagion=0.15)
    assert tie_dynamics.recovery_contagion_ratio(contacts, on).tolist() == pytest.approx([1.0, 1.3])
    zero = on.model_copy(update={"recovery_contagion": 0.0})
    assert tie_dynamics.recovery_contagion_ratio(contacts, zero).tolist() == [1.0, 1.0]
    assert tie_dynamics.recovery_contagion_ratio(contacts, TieDynamicsParams(enabled=False)) == 1.0
