"""Which uncertainties matter: the parameters that drive each headline difference's spread.

A tornado from the posterior draws: for each headline difference (design minus baseline, per
replicate) and each calibrated parameter that varies across the replicates' draws, the Spearman
rank correlation between the parameter's value and the difference. Its square is the share of
the difference's rank variance that the parameter alone explains; parameters are listed by it,
largest first. Rank correlation needs no model of the response and is what probabilistic
sensitivity analyses report beside their tornado plots; with correlated posterior parameters a
parameter can stand in for a correlated neighbour, so the list says where to look first (the
research agenda), not a strict variance decomposition (SALib's Sobol indices need their own
designed sample).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats

#: The differences a tornado is computed for (those that a comparison has).
HEADLINE_DIFFERENCES = ("relapses_averted_per_100", "qalys", "net_monetary_benefit")
#: Parameters listed per difference.
TOP = 8
#: A tornado needs at least this many replicates with a difference.
MIN_REPLICATES = 5


def rank_drivers(differences: np.ndarray, draws: pd.DataFrame, top: int = TOP) -> list[dict]:
    """Parameters by how strongly their value ranks with a per-replicate difference.

    Args:
        differences: one difference per replicate.
        draws: the parameter values each replicate ran (one row per replicate, same order).
        top: how many parameters to list.

    Returns:
        Up to `top` rows `parameter`, `rank_correlation`, `share_explained_alone` (its square),
        largest share first; [] with too few replicates or no parameter that varies.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> draws = pd.DataFrame({"a": rng.normal(size=40), "b": rng.normal(size=40)})
        >>> rank_drivers(3 * draws["a"].to_numpy() + rng.normal(size=40) * 0.1, draws)[0]["parameter"]
        'a'
    """
    y = np.asarray(differences, dtype=float)
    keep = ~np.isnan(y)
    if keep.sum() < MIN_REPLICATES or np.ptp(y[keep]) == 0:
        return []
    rows = []
    for key in draws.columns:
        x = draws[key].to_numpy(dtype=float)[: len(y)][keep]
        if np.ptp(x) == 0:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rho = float(stats.spearmanr(x, y[keep]).statistic)
        if math.isfinite(rho):
            rows.append({"parameter": str(key), "rank_correlation": rho})
    rows.sort(key=lambda r: -abs(r["rank_correlation"]))
    for row in rows:
        row["share_explained_alone"] = row["rank_correlation"] ** 2
    return rows[:top]


def uncertainty_drivers(differences: dict[str, dict[str, np.ndarray]], draws: pd.DataFrame) -> dict:
    """Per design and headline difference, the parameters that drive its spread.

    Args:
        differences: per design, per headline difference, its per-replicate values.
        draws: the parameter values each replicate ran.

    Returns:
        Design -> difference -> `rank_drivers` rows (differences with no drivers left out).
    """
    out: dict[str, dict] = {}
    for name, rows in differences.items():
        found = {k: rank_drivers(v, draws) for k, v in rows.items() if k in HEADLINE_DIFFERENCES}
        out[name] = {k: v for k, v in found.items() if v}
    return out
