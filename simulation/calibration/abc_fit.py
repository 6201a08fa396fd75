"""ABC on the emulator: the parameter sets whose expected targets fall in the bands.

`rejection_abc` (what the shipped ensemble uses) draws candidates from the priors and keeps
those whose emulated targets all fall inside their bands; `fit_abc` is ABC-SMC with pyabc, the
first method tried (its importance weights collapse in 27 dimensions; see docs/calibration.md).
For `fit_abc`:

The "model" pyabc samples is the emulator: at a parameter set it draws every target from the
Gaussian process's latent prediction (mean plus the emulator's own uncertainty), so a region
the emulator is unsure about is neither trusted nor ruled out. The distance is how far the
targets fall outside their bands, each in band widths, combined over all fitted targets at once
(root of the sum of squares): zero when every target is inside its band. The epsilon schedule
(pyabc's median quantile) shrinks it generation by generation; the run stops when the tolerance
reaches zero (every target inside), after `generations`, or when acceptance falls below
`MIN_ACCEPTANCE`. pyabc keeps every generation in its History database, so a stopped fit can be
continued (`ABCSMC.load`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import expit
from threadpoolctl import threadpool_limits

from simulation.calibration.emulator import Emulator
from simulation.calibration.priors import PRIORS, Prior, from_unit
from simulation.calibration.target_runs import FitTarget

#: Stop when fewer than this share of proposals is accepted: the tolerance has shrunk to where
#: the emulator's own uncertainty decides (measured: the next generation then needs ~100x the
#: proposals for little change in the draws).
MIN_ACCEPTANCE = 0.02


@dataclass
class AbcResult:
    """The ensemble: parameter values and unit positions of equally weighted draws, and the run."""

    values: pd.DataFrame
    unit: np.ndarray
    epsilons: list[float]
    generations: int
    evaluations: int
    fitted: list[str]


def band_distance(values: dict[str, float], targets: Sequence[FitTarget]) -> float:
    """How far values fall outside their targets' bands: root sum of squares, in band widths.

    Args:
        values: target id -> value.
        targets: the targets to count (others in `values` are ignored).

    Returns:
        0 when every value is inside its band.
    """
    total = 0.0
    for t in targets:
        low, high = t.band
        width = (high - low) or abs(high) or 1.0
        value = values[t.id]
        total += (max(low - value, 0.0, value - high) / width) ** 2
    return float(np.sqrt(total))


def _names(priors: Sequence[Prior]) -> list[str]:
    return [f"p{j:02d}" for j in range(len(priors))]


def _last_epsilon(history) -> float:
    populations = history.get_all_populations()
    return float(populations.loc[populations["t"] == history.max_t, "epsilon"].iloc[0])


def fit_abc(
    emulator: Emulator,
    targets: Sequence[FitTarget],
    db: str | Path,
    *,
    priors: tuple[Prior, ...] = PRIORS,
    draws: int = 400,
    population: int = 600,
    generations: int = 12,
    seed: int = 0,
    sampler=None,
) -> AbcResult:
    """Run (or continue) ABC-SMC on the emulator and return `draws` equally weighted draws.

    Args:
        emulator: the fitted emulator (it must emulate every target given).
        targets: the targets to fit (all at once).
        db: the pyabc History database (SQLite file); an existing one is continued.
        priors: the priors (uniform on the unit cube; `from_unit` maps them to values).
        draws: draws of the ensemble, resampled from the last generation by weight.
        population: particles per generation.
        generations: most generations to run in total.
        seed: seed of the sampler and of the resampling.
        sampler: a pyabc sampler (default: single core, which keeps the fit reproducible;
            `pyabc.sampler.DaskDistributedSampler` runs it on Dask).

    Returns:
        The ensemble and how the run went.
    """
    import pyabc

    logging.getLogger("ABC").setLevel(logging.WARNING)
    names = _names(priors)
    ids = [t.id for t in targets]
    order = [emulator.targets.index(t) for t in ids]

    def model(parameter) -> dict[str, float]:
        mean, sd = emulator.predict_one(expit(np.array([parameter[n] for n in names])))
        draw = mean[order] + sd[order] * np.random.normal(size=len(ids))
        return dict(zip(ids, draw.tolist(), strict=True))

    def distance(x: dict, _x0: dict) -> float:
        return band_distance(x, targets)

    # Each parameter is sampled as the logit of its unit-cube position (a standard logistic
    # prior is exactly uniform on the unit cube): the kernel's moves never leave the prior's
    # support, where in 27 dimensions nearly every move in the bounded cube would.
    prior = pyabc.Distribution(**{n: pyabc.RV("logistic", 0.0, 1.0) for n in names})
    np.random.seed(seed % 2**32)  # pyabc's proposals and the model's draws use numpy's global
    abc = pyabc.ABCSMC(
        model,
        prior,
        distance,
        population_size=population,
        sampler=sampler or pyabc.sampler.SingleCoreSampler(),
        eps=pyabc.QuantileEpsilon(alpha=0.5),
    )
    path = Path(db).resolve()
    observed = {t.id: (t.band[0] + t.band[1]) / 2 for t in targets}
    if path.exists():
        history = abc.load(f"sqlite:///{path}", 1)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        history = abc.new(f"sqlite:///{path}", observed)
    left = generations - (history.max_t + 1)
    if history.max_t >= 0 and _last_epsilon(history) <= 0.0:
        left = 0  # a finished fit: every fitted target was already inside its band
    if left > 0:
        with threadpool_limits(1):  # as in the emulator's fit: small matrices, shared cores
            history = abc.run(
                minimum_epsilon=0.0, max_nr_populations=left, min_acceptance_rate=MIN_ACCEPTANCE
            )
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    unit = expit(frame[names].to_numpy())
    weights = np.asarray(weights, dtype=float)
    chosen = np.random.default_rng(seed).choice(len(unit), draws, p=weights / weights.sum())
    unit = unit[chosen]
    populations = history.get_all_populations()
    epsilons = [float(e) for e in populations.loc[populations["t"] >= 0, "epsilon"]]
    return AbcResult(
        from_unit(unit, priors),
        unit,
        epsilons,
        int(history.max_t + 1),
        int(history.total_nr_simulations),
        ids,
    )


def rejection_abc(
    emulator: Emulator,
    targets: Sequence[FitTarget],
    *,
    priors: tuple[Prior, ...] = PRIORS,
    draws: int = 400,
    seed: int = 0,
    chunk: int = 20_000,
    max_candidates: int = 1_000_000,
) -> AbcResult:
    """Rejection ABC on the emulator, vectorised: prior draws whose emulated targets fit.

    Candidates are drawn from the priors (uniform on the unit cube) in chunks; each one's
    targets are drawn from the emulator's latent prediction, and it is accepted when every
    fitted target falls inside its band (tolerance 0: the exact ABC posterior of the
    emulated model). If fewer than `draws` are accepted from `max_candidates`, the tolerance
    is the band distance of the `draws`-th best candidate instead (said in `epsilons`).
    Accepted draws are equally weighted, unlike the importance weights of ABC-SMC, which in 27
    dimensions collapsed onto a handful of particles (measured: the largest of 400 weights
    was 0.69 in the sixth generation).

    Args:
        emulator: the fitted emulator (it must emulate every target given).
        targets: the targets to fit (all at once).
        priors: the priors.
        draws: draws of the ensemble.
        seed: seed of the candidates and of the emulator-uncertainty draws.
        chunk: candidates predicted at once.
        max_candidates: most candidates drawn.

    Returns:
        The ensemble (`epsilons` holds the one tolerance used; `generations` is 1).
    """
    rng = np.random.default_rng(seed)
    ids = [t.id for t in targets]
    low = np.array([t.band[0] for t in targets])
    high = np.array([t.band[1] for t in targets])
    width = np.where(high > low, high - low, np.maximum(np.abs(high), 1.0))
    kept_unit, kept_distance, drawn, inside = [], [], 0, 0
    while drawn < max_candidates and inside < draws:
        unit = rng.random((chunk, len(priors)))
        with threadpool_limits(1):
            mean, sd = emulator.predict(unit)
        value = mean[ids].to_numpy() + sd[ids].to_numpy() * rng.normal(size=(chunk, len(ids)))
        outside = np.maximum(np.maximum(low - value, 0.0), value - high) / width
        distance = np.sqrt((outside**2).sum(axis=1))
        drawn += chunk
        best = np.argsort(distance)[: 4 * draws]  # enough to choose a tolerance from
        kept_unit.append(unit[best])
        kept_distance.append(distance[best])
        inside += int(np.sum(distance <= 0.0))
    unit, distance = np.concatenate(kept_unit), np.concatenate(kept_distance)
    order = np.argsort(distance, kind="stable")
    tolerance = max(float(distance[order[draws - 1]]), 0.0)
    accepted = unit[distance <= tolerance]
    chosen = accepted[rng.permutation(len(accepted))[:draws]]
    return AbcResult(from_unit(chosen, priors), chosen, [tolerance], 1, drawn, ids)
