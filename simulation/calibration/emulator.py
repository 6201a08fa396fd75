"""A Gaussian-process emulator of every target: what the model would give at any parameter set.

One scikit-learn `GaussianProcessRegressor` per target, on the unit cube of the priors: a
constant times an anisotropic RBF kernel (one length scale per parameter, so the fit learns
which parameters a target depends on) plus a `WhiteKernel` for the run-to-run noise of the
design's small runs. Predictions give the mean and the *latent* standard deviation (the
emulator's own uncertainty, without the run noise): the model's expected value at a parameter
set, which is what a published figure of a large cohort is compared with.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.linalg import solve_triangular
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
from threadpoolctl import threadpool_limits

#: Length scales on the unit cube: from a twentieth of a prior range (a sharp dependence) to
#: fifty ranges (no dependence at all).
LENGTH_SCALE_BOUNDS = (0.05, 50.0)
#: Run noise, as a share of the target's variance across the design (normalised outputs).
NOISE_BOUNDS = (1e-6, 1.0)
#: Extra starts of the kernel optimiser: a few guard against a poor local optimum.
RESTARTS = 1


def _kernel(dimensions: int):
    return ConstantKernel(1.0, (1e-3, 1e3)) * RBF(
        np.full(dimensions, 0.5), LENGTH_SCALE_BOUNDS
    ) + WhiteKernel(0.05, NOISE_BOUNDS)


@dataclass
class Emulator:
    """Fitted Gaussian processes, one per target, and the run-noise variance each one found."""

    gps: dict[str, GaussianProcessRegressor]
    noise: dict[str, float]  # run-noise variance in the target's own units

    @classmethod
    def fit(cls, unit: np.ndarray, values: pd.DataFrame, seed: int = 0) -> Emulator:
        """One Gaussian process per column of `values`, rows with a non-finite value left out.

        Args:
            unit: design points, rows x parameters, in the priors' unit cube.
            values: the target values at those points, one column per target.
            seed: seed of the optimiser's restarts.

        Returns:
            The emulator.
        """
        unit = np.asarray(unit, dtype=float)
        gps, noise = {}, {}
        for column in values.columns:
            y = values[column].to_numpy(dtype=float)
            ok = np.isfinite(y)
            gp = GaussianProcessRegressor(
                _kernel(unit.shape[1]),
                normalize_y=True,
                n_restarts_optimizer=RESTARTS,
                random_state=seed,
            )
            # One BLAS thread: small matrices gain nothing from more, and on a shared machine
            # the threads contend (a fit took 8x longer with them).
            with warnings.catch_warnings(), threadpool_limits(1):
                warnings.simplefilter("ignore", ConvergenceWarning)
                gp.fit(unit[ok], y[ok])
            gps[column] = gp
            noise[column] = float(gp.kernel_.k2.noise_level * gp._y_train_std**2)
        return cls(gps, noise)

    @property
    def targets(self) -> list[str]:
        """The targets emulated."""
        return list(self.gps)

    def predict(self, unit: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Mean and latent standard deviation of every target at rows of unit-cube points.

        Args:
            unit: rows x parameters in the unit cube.

        Returns:
            (means, standard deviations): one row per point, one column per target.
        """
        unit = np.atleast_2d(np.asarray(unit, dtype=float))
        means, sds = {}, {}
        for target, gp in self.gps.items():
            mean, sd = gp.predict(unit, return_std=True)
            means[target] = mean
            sds[target] = np.sqrt(np.clip(sd**2 - self.noise[target], 0.0, None))
        return pd.DataFrame(means), pd.DataFrame(sds)

    def predict_one(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and latent standard deviation of every target at one point, in target order.

        The same formulas as `GaussianProcessRegressor.predict` (RBF times a constant, the
        fitted Cholesky factor and weights), without its per-call checks: the ABC calls this
        once per particle, tens of thousands of times. `test_emulator` checks they agree.

        Args:
            u: one point of the unit cube.

        Returns:
            (means, latent standard deviations), one entry per target.
        """
        if not hasattr(self, "_compiled"):
            self._compiled = [_compile(gp) for gp in self.gps.values()]
        u = np.asarray(u, dtype=float).ravel()
        means, sds = np.empty(len(self._compiled)), np.empty(len(self._compiled))
        for i, (x, inv_ls, scale, alpha, chol, y_mean, y_std) in enumerate(self._compiled):
            k = scale * np.exp(-0.5 * np.sum(((x - u) * inv_ls) ** 2, axis=1))
            means[i] = y_mean + y_std * float(k @ alpha)
            v = solve_triangular(chol, k, lower=True, check_finite=False)
            sds[i] = y_std * np.sqrt(max(scale - float(v @ v), 0.0))
        return means, sds

    def length_scales(self) -> pd.DataFrame:
        """The fitted length scale of every parameter for every target (short: it matters).

        Returns:
            One row per target, one column per parameter position.
        """
        return pd.DataFrame(
            {t: np.atleast_1d(gp.kernel_.k1.k2.length_scale) for t, gp in self.gps.items()}
        ).T


def _compile(gp: GaussianProcessRegressor) -> tuple:
    """What predicting needs from a fitted process: data, kernel parameters, weights, factor."""
    product = gp.kernel_.k1  # ConstantKernel * RBF
    return (
        gp.X_train_,
        1.0 / np.atleast_1d(product.k2.length_scale),
        float(product.k1.constant_value),
        gp.alpha_.ravel(),
        gp.L_,
        float(np.ravel(gp._y_train_mean)[0]),
        float(np.ravel(gp._y_train_std)[0]),
    )


def cross_validate(
    unit: np.ndarray, values: pd.DataFrame, folds: int = 4, seed: int = 0
) -> pd.DataFrame:
    """How well the emulator predicts design points it was not fitted to (k-fold).

    Args:
        unit: design points in the unit cube.
        values: target values at them.
        folds: number of folds.
        seed: seed of the fold assignment and the optimiser.

    Returns:
        One row per target: `rmse` of held-out predictions, `spread` (the standard deviation of
        the target across the design), `r2` and `z_within_2` (share of held-out points whose
        error is within 2 standard deviations of the prediction, run noise included).
    """
    unit = np.asarray(unit, dtype=float)
    fold = np.random.default_rng(seed).permutation(len(unit)) % folds
    errors = {c: np.full(len(unit), math.nan) for c in values.columns}
    z = {c: np.full(len(unit), math.nan) for c in values.columns}
    for k in range(folds):
        test = fold == k
        emulator = Emulator.fit(unit[~test], values[~test], seed)
        mean, sd = emulator.predict(unit[test])
        for c in values.columns:
            total = np.sqrt(sd[c].to_numpy() ** 2 + emulator.noise[c])
            errors[c][test] = values[c].to_numpy()[test] - mean[c].to_numpy()
            z[c][test] = errors[c][test] / np.maximum(total, 1e-12)
    rows = []
    for c in values.columns:
        e, y = errors[c], values[c].to_numpy()
        ok = np.isfinite(e)
        spread = float(np.nanstd(y[ok]))
        rmse = float(np.sqrt(np.mean(e[ok] ** 2)))
        rows.append(
            {
                "target": c,
                "rmse": rmse,
                "spread": spread,
                "r2": 1.0 - rmse**2 / spread**2 if spread > 0 else math.nan,
                "z_within_2": float(np.mean(np.abs(z[c][ok]) <= 2.0)),
            }
        )
    return pd.DataFrame(rows).set_index("target")
