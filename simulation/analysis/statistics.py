"""The statistics of a comparison: paired and Welch differences, bootstrap ratios, total intervals.

Runs of two designs that share seeds (common random numbers) are paired replicate by
replicate; runs with their own seeds are independent samples. Every function drops missing
values (None or NaN) rather than letting them poison a mean.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
from scipy import stats

from simulation.running.runner import mean_ci

#: Bootstrap resamples for intervals with no closed form (ratios, cost per relapse averted).
BOOTSTRAP_RESAMPLES = 2000


def clean(values: Sequence[float | None]) -> np.ndarray:
    """The values as floats, None as NaN.

    Args:
        values: numbers, some possibly None.

    Returns:
        A float array.
    """
    return np.asarray([np.nan if v is None else v for v in values], dtype=float)


def paired_difference(a: Sequence[float], b: Sequence[float]) -> dict:
    """Mean of a - b over paired replicates and its 95% t-interval (pairs with a NaN dropped).

    Args:
        a: one value per replicate of a design.
        b: the same replicates of the baseline.

    Returns:
        `{"mean": ..., "ci95": [low, high] or None}`.
    """
    a, b = clean(a), clean(b)
    keep = ~(np.isnan(a) | np.isnan(b))
    return mean_ci((a[keep] - b[keep]).tolist())


def welch_difference(a: Sequence[float], b: Sequence[float]) -> dict:
    """Mean of a minus mean of b for independent runs, with a Welch 95% interval.

    Args:
        a: one value per run of a design.
        b: one value per run of the baseline.

    Returns:
        `{"mean": ..., "ci95": [low, high] or None}`.
    """
    a, b = clean(a), clean(b)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if len(a) == 0 or len(b) == 0:
        return {"mean": None, "ci95": None}
    mean = float(a.mean() - b.mean())
    if len(a) < 2 or len(b) < 2:
        return {"mean": mean, "ci95": None}
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    if se == 0:
        return {"mean": mean, "ci95": [mean, mean]}
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = float(stats.t.ppf(0.975, df) * se)
    return {"mean": mean, "ci95": [mean - half, mean + half]}


def ratio_of_means(
    a: Sequence[float], b: Sequence[float], paired: bool, seed: int
) -> dict[str, float | list[float] | None]:
    """mean(a) / mean(b) with a bootstrap 95% interval (BCa; paired when the runs share seeds).

    Args:
        a: the numerator's values.
        b: the denominator's values.
        paired: resample replicates together (common random numbers).
        seed: the bootstrap's seed.

    Returns:
        `{"mean": ..., "ci95": [low, high] or None}` (None below three values per arm).
    """
    a, b = clean(a), clean(b)
    if paired:
        keep = ~(np.isnan(a) | np.isnan(b))
        a, b = a[keep], b[keep]
    else:
        a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if len(a) == 0 or len(b) == 0 or b.mean() == 0:
        return {"mean": None, "ci95": None}
    mean = float(a.mean() / b.mean())
    if len(a) < 3 or len(b) < 3:
        return {"mean": mean, "ci95": None}
    if np.ptp(a) == 0 and np.ptp(b) == 0:
        return {"mean": mean, "ci95": [mean, mean]}

    return {"mean": mean, "ci95": ratio_interval(a, b, paired, seed)}


def ratio_interval(a: np.ndarray, b: np.ndarray, paired: bool, seed: int) -> list[float] | None:
    """Bootstrap 95% interval of mean(a) / mean(b): BCa, or percentiles where BCa fails.

    Args:
        a: numerator values (NaN-free).
        b: denominator values (NaN-free; paired with `a` when `paired`).
        paired: resample (a, b) pairs together.
        seed: the bootstrap's seed.

    Returns:
        `[low, high]`, or None when neither method gives a finite interval.
    """

    def statistic(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.mean(x, axis=axis) / np.mean(y, axis=axis)

    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        # BCa warns (and returns NaN) on degenerate resamples; fall back to percentiles then.
        warnings.simplefilter("ignore")
        for method in ("BCa", "percentile"):
            result = stats.bootstrap(
                (a, b),
                statistic,
                paired=paired,
                vectorized=True,
                n_resamples=BOOTSTRAP_RESAMPLES,
                method=method,
                rng=np.random.default_rng(seed),
            )
            low, high = result.confidence_interval
            if np.isfinite(low) and np.isfinite(high):
                return [float(low), float(high)]
    return None


def per_replicate(a: Sequence[float | None], b: Sequence[float | None]) -> np.ndarray:
    """a_i - b_i for each replicate i (NaN where either is missing).

    Replicate i of every design ran the same posterior draw, so a_i - b_i is the effect in one
    plausible world, whether or not the runs also share their seeds.

    Args:
        a: one value per replicate of a design.
        b: one value per replicate of the baseline, in the same order.

    Returns:
        The per-replicate differences (as many as the shorter list).
    """
    a, b = clean(a), clean(b)
    n = min(len(a), len(b))
    return a[:n] - b[:n]


def spread95(values: Sequence[float] | np.ndarray) -> list[float] | None:
    """The 2.5th and 97.5th percentiles of per-replicate values (NaN dropped).

    The probabilistic sensitivity analysis interval of heemod and BCEA: the range the effect
    takes across plausible worlds (here each also a finite population's chance variation). It
    does not shrink as replicates grow.

    Args:
        values: one value per replicate.

    Returns:
        `[low, high]`, or None below two values.

    Example:
        >>> spread95([float(x) for x in range(101)])
        [2.5, 97.5]
    """
    x = clean(values)
    x = x[~np.isnan(x)]
    if len(x) < 2:
        return None
    low, high = np.percentile(x, [2.5, 97.5])
    return [float(low), float(high)]


def with_total(stat: dict, differences: np.ndarray, parameters: bool) -> dict:
    """A difference's row with both intervals: `ci95` (total) and `ci95_stochastic`.

    `ci95_stochastic` is the interval of the mean over replicates computed as before (paired t
    or Welch): run-to-run (Monte Carlo) uncertainty, which shrinks as replicates grow.
    `spread95` is the percentile range of the per-replicate differences. With parameter
    uncertainty `ci95` is `spread95`, the spread of the effect across posterior draws; with
    run-to-run variation only it stays the interval of the mean, so old numbers reproduce.

    Args:
        stat: `{"mean", "ci95"}` as the paired or Welch difference gave it.
        differences: the per-replicate differences.
        parameters: the replicates ran posterior draws.

    Returns:
        A new row with `mean`, `ci95`, `ci95_stochastic` and `spread95`.

    Example:
        >>> row = with_total({"mean": 2.0, "ci95": [1.5, 2.5]}, np.array([0.0, 2.0, 4.0]), True)
        >>> row["ci95"], row["ci95_stochastic"]
        ([0.1, 3.9], [1.5, 2.5])
    """
    out = dict(stat)
    out["ci95_stochastic"] = stat.get("ci95")
    out["spread95"] = spread95(differences)
    if parameters and stat.get("mean") is not None:
        out["ci95"] = out["spread95"]
    return out
