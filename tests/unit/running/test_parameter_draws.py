"""Posterior draws per replicate: chosen from the seed, the same for every design, pinned keys kept."""

from __future__ import annotations

import pandas as pd
import pytest
from posterior_factory import FRAILTY, SUPPORT, posterior

from simulation.analysis.compare import drawn_jobs
from simulation.errors import RecoverySimError
from simulation.running.parameter_draws import (
    check_uncertainty,
    file_stated_keys,
    pinned_keys,
    plan_draws,
    posterior_identity,
)
from simulation.running.seeds import comparison_seeds, draw_index, replicate_seeds
from simulation.scenario.files import load_scenario


def test_the_draw_depends_on_the_seed_alone_and_covers_the_posterior():
    assert [draw_index(s, 200) for s in (1, 2, 3)] == [draw_index(s, 200) for s in (1, 2, 3)]
    chosen = [draw_index(s, 10) for s in replicate_seeds(4, 2000)]
    counts = pd.Series(chosen).value_counts()
    # 2000 seeds over 10 draws: each draw 200 +- 3 sd (sd = 13.4) if the choice is uniform.
    assert set(counts.index) == set(range(10)) and counts.between(160, 240).all()


def test_every_design_of_a_replicate_runs_the_same_draw_even_without_crn():
    tau = load_scenario("treatment_as_usual", ["population.size=50", "days=5"])
    peer = load_scenario("community_peer_mentoring", ["population.size=50", "days=5"])
    draws = plan_draws([tau, peer], replicate_seeds(9, 6), posterior())
    for crn in (True, False):
        seeds = comparison_seeds(9, 6, 2, crn)
        jobs = drawn_jobs([tau, peer], seeds, draws)
        for i in range(6):
            ran = [jobs[k * 6 + i][0] for k in (0, 1)]
            assert ran[0].mentoring.support_effect == ran[1].mentoring.support_effect
            assert ran[0].mentoring.support_effect == draws.values(i)[SUPPORT]
            assert ran[0].relapse.frailty_variance == draws.values(i)[FRAILTY]
    supports = {jobs[i][0].mentoring.support_effect for i in range(6)}
    assert len(supports) >= 4  # six replicates, 200 draws: different worlds
    assert [j[0].name for j in jobs[:6]] == ["treatment_as_usual"] * 6


def test_a_key_the_file_or_set_states_wins_over_the_draw():
    keys = [SUPPORT, FRAILTY]
    peer = load_scenario("community_peer_mentoring", [f"{SUPPORT}=0.7", "days=5"])
    stated = file_stated_keys("community_peer_mentoring", [f"{SUPPORT}=0.7"])
    assert pinned_keys(peer, keys, stated) == [SUPPORT]
    # Stated at the default value: still pinned, because the file says so.
    same = load_scenario("community_peer_mentoring", [f"{FRAILTY}=0.45"])
    assert pinned_keys(same, keys) == []
    assert pinned_keys(same, keys, [f"{FRAILTY}"]) == [FRAILTY]
    assert pinned_keys(same, keys, ["relapse"]) == [FRAILTY]  # a section pins what it holds
    draws = plan_draws([peer], replicate_seeds(1, 3), posterior(), {peer.name: stated})
    assert draws.describe()["pinned"] == {"community_peer_mentoring": [SUPPORT]}
    ran = draws.scenario(peer, 0)
    assert ran.mentoring.support_effect == 0.7
    assert ran.relapse.frailty_variance == draws.values(0)[FRAILTY] != 0.45


def test_bad_uncertainty_and_bad_posteriors_are_one_clear_error():
    with pytest.raises(RecoverySimError, match=r"--uncertainty = 'both' .*parameters\+stochastic"):
        check_uncertainty("both", "--uncertainty")
    with pytest.raises(RecoverySimError, match=r"'mentoring\.happiness' is not a scenario key"):
        plan_draws([], [1], pd.DataFrame({"mentoring.happiness": [1.0]}))
    with pytest.raises(RecoverySimError, match="at least one draw"):
        plan_draws([], [1], pd.DataFrame({SUPPORT: []}))
    with pytest.raises(RecoverySimError, match="missing value"):
        plan_draws([], [1], pd.DataFrame({SUPPORT: [1.0, None]}))


def test_a_posteriors_identity_changes_with_any_value_key_or_label():
    ensemble = posterior()
    same = posterior_identity(ensemble.copy())
    assert same == posterior_identity(ensemble) and same["draws"] == len(ensemble)
    nudged = ensemble.copy()
    nudged.iloc[1, 0] = nudged.iloc[1, 0] * (1 + 1e-12)  # a change no rounding would show
    renamed = ensemble.rename(columns={SUPPORT: "mentoring.rapid_response_effect"})
    relabelled = ensemble.set_axis(ensemble.index + 1, axis=0)
    hashes = {posterior_identity(f)["sha256"] for f in (ensemble, nudged, renamed, relabelled)}
    assert len(hashes) == 4
    assert posterior_identity(ensemble.iloc[:3])["draws"] == 3
