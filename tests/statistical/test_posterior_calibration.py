"""ABC-SMC on an emulator recovers a known answer (a toy model: no simulation runs)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import qmc

from simulation.calibration.abc_fit import fit_abc, rejection_abc
from simulation.calibration.emulator import Emulator
from simulation.calibration.priors import Prior
from simulation.calibration.target_runs import FitTarget


def _toy():
    # Toy model: a = x, b = y^2, observed with run noise. The bands a in [0.6, 0.7] and
    # b in [0.2, 0.3] allow exactly x in [0.6, 0.7] and y in [0.447, 0.548].
    rng = np.random.default_rng(11)
    unit = qmc.LatinHypercube(d=2, rng=rng).random(60)
    values = pd.DataFrame(
        {"a": unit[:, 0] + rng.normal(0, 0.01, 60), "b": unit[:, 1] ** 2 + rng.normal(0, 0.01, 60)}
    )
    priors = (
        Prior("x", 0.0, 1.0, False, "assumption", "toy"),
        Prior("y", 0.0, 1.0, False, "assumption", "toy"),
    )
    targets = [
        FitTarget("a", (0.6, 0.7), None, "toy", (), None),
        FitTarget("b", (0.2, 0.3), None, "toy", (), None),
    ]
    return Emulator.fit(unit, values, seed=0), priors, targets


def test_rejection_abc_on_an_emulated_toy_model_recovers_the_region_the_bands_allow():
    emulator, priors, targets = _toy()
    result = rejection_abc(emulator, targets, priors=priors, draws=400, seed=2, chunk=5000)
    x, y = result.values["x"], result.values["y"]
    assert len(result.values) == 400 and result.epsilons == [0.0]  # all inside: tolerance 0
    assert 0.63 < x.mean() < 0.67 and 0.47 < y.mean() < 0.53
    assert x.between(0.58, 0.72).all() and y.between(0.43, 0.57).all()
    # About 1% of the prior (0.1 x 0.1) is allowed: far narrower than uniform (sd 0.29).
    assert x.std() < 0.05 and y.std() < 0.05
    assert not result.values.duplicated().any()  # independent draws, not resampled particles


@pytest.mark.slow
def test_abc_on_an_emulated_toy_model_recovers_the_region_the_bands_allow(tmp_path):
    # Toy model: a = x, b = y^2, observed with run noise. The bands a in [0.6, 0.7] and
    # b in [0.2, 0.3] allow exactly x in [0.6, 0.7] and y in [0.447, 0.548].
    rng = np.random.default_rng(11)
    unit = qmc.LatinHypercube(d=2, rng=rng).random(60)
    values = pd.DataFrame(
        {
            "a": unit[:, 0] + rng.normal(0, 0.01, 60),
            "b": unit[:, 1] ** 2 + rng.normal(0, 0.01, 60),
        }
    )
    emulator = Emulator.fit(unit, values, seed=0)
    priors = (
        Prior("x", 0.0, 1.0, False, "assumption", "toy"),
        Prior("y", 0.0, 1.0, False, "assumption", "toy"),
    )
    targets = [
        FitTarget("a", (0.6, 0.7), None, "toy", (), None),
        FitTarget("b", (0.2, 0.3), None, "toy", (), None),
    ]
    result = fit_abc(
        emulator,
        targets,
        tmp_path / "abc.db",
        priors=priors,
        draws=300,
        population=200,
        generations=7,
        seed=3,
    )
    x, y = result.values["x"], result.values["y"]
    assert len(result.values) == 300
    assert result.epsilons[-1] < result.epsilons[0] / 5  # the tolerance shrank
    assert 0.63 < x.mean() < 0.67 and 0.47 < y.mean() < 0.53
    assert x.between(0.57, 0.73).mean() > 0.95 and y.between(0.42, 0.58).mean() > 0.95
    # Most of the prior is ruled out: the posterior is far narrower than uniform (sd 0.29).
    assert x.std() < 0.06 and y.std() < 0.06
    # Continuing the History database runs no further generation once it has them all.
    again = fit_abc(
        emulator, targets, tmp_path / "abc.db", priors=priors, draws=300, population=200,
        generations=7, seed=3,
    )  # fmt: skip
    assert again.generations == result.generations and again.evaluations == result.evaluations
