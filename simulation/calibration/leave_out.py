"""Leave-some-targets-out validation: fit without a group of targets, predict the group.

For each group (a study, or a kind of outcome: the program trials, the three-year figures, the
opioid cohorts, ...) the ABC is rerun on the emulator with that group's targets left out, and the
held-out targets are predicted at the resulting draws (emulator mean plus its uncertainty).
Whether the prediction lands in the band says how well the calibrated model predicts figures it
was not fitted to, not only those it was.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulation.calibration.abc_fit import rejection_abc
from simulation.calibration.emulator import Emulator
from simulation.calibration.target_runs import FitTarget

#: A leave-out fit is a check, not the shipped ensemble: fewer draws and candidates than the
#: main one (a minute of emulator predictions per group rather than eight).
DRAWS = 200
CANDIDATES = 100_000


@dataclass
class HeldOut:
    """One held-out target: its band, and its prediction without and with its group fitted."""

    group: str
    id: str
    band: tuple[float, float]
    mean: float
    ci90: tuple[float, float]
    mean_fitted: float | None  # with every target fitted (the shipped ensemble), if given

    @property
    def inside(self) -> bool:
        """Whether the held-out prediction's mean lies in the band."""
        return self.band[0] <= self.mean <= self.band[1]


def predict_at(emulator: Emulator, unit: np.ndarray, ids: list[str], seed: int) -> pd.DataFrame:
    """Predictive values of targets at draws: emulator mean plus a draw of its uncertainty.

    Args:
        emulator: the emulator.
        unit: the draws' unit-cube positions.
        ids: the targets.
        seed: seed of the uncertainty draws.

    Returns:
        One row per draw, one column per target.
    """
    mean, sd = emulator.predict(unit)
    z = np.random.default_rng(seed).normal(size=(len(unit), len(ids)))
    return pd.DataFrame(mean[ids].to_numpy() + sd[ids].to_numpy() * z, columns=ids)


def leave_out(
    emulator: Emulator,
    targets: list[FitTarget],
    groups: list[str] | None = None,
    *,
    fitted_unit: np.ndarray | None = None,
    seed: int = 0,
) -> list[HeldOut]:
    """Fit without each group in turn and predict the group's targets.

    Args:
        emulator: the emulator of every target.
        targets: every target (those with `fitted` False are never fitted).
        groups: the groups to leave out (default: every group of a fitted target with more
            than one group left after it).
        fitted_unit: unit positions of the ensemble fitted to all targets, for comparison.
        seed: seed of each fit and prediction.

    Returns:
        One row per held-out target.
    """
    fitted = [t for t in targets if t.fitted]
    groups = groups or list(dict.fromkeys(t.group for t in fitted))
    rows: list[HeldOut] = []
    for i, group in enumerate(groups):
        kept = [t for t in fitted if t.group != group]
        held = [t for t in targets if t.group == group]
        if not kept or not held:
            continue
        result = rejection_abc(
            emulator, kept, draws=DRAWS, seed=seed + i, max_candidates=CANDIDATES
        )
        ids = [t.id for t in held]
        without = predict_at(emulator, result.unit, ids, seed + i)
        with_all = (
            predict_at(emulator, fitted_unit, ids, seed + i) if fitted_unit is not None else None
        )
        for t in held:
            low, high = np.quantile(without[t.id], [0.05, 0.95])
            rows.append(
                HeldOut(
                    group,
                    t.id,
                    t.band,
                    float(without[t.id].mean()),
                    (float(low), float(high)),
                    float(with_all[t.id].mean()) if with_all is not None else None,
                )
            )
    return rows
