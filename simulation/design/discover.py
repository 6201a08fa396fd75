"""When a design stops working: scenario discovery (PRIM) over an experiment's results.

The experiment's factors are the inputs; the outcome is a metric's mean over each design point's
replicates; the cases of interest are the points where it is above (or below) a threshold.
PRIM (Friedman and Fisher 1999; the `prim` package, the implementation EMA Workbench's was
derived from) peels the factor space down to boxes where those cases are dense. Each box is
reported at the step of its peeling trajectory with the highest density among those that
still hold at least `min_coverage` of the cases of interest.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.api import load_results
from simulation.errors import ExperimentError
from simulation.running.result_files import to_jsonable, write_json

#: PRIM's defaults (Friedman and Fisher 1999): peel 5% of the points per step, and stop at
#: boxes holding 5% of them.
PEEL_ALPHA, MASS_MIN = 0.05, 0.05


@dataclass
class Discovery:
    """The boxes of factor ranges where the outcome is beyond the threshold.

    Attributes:
        document: what `recovery-sim discover --json` prints: the question and the `boxes`,
            each `{"limits": {factor: {"min", "max"} or {"levels"}}, "coverage", "density",
            "mass", "points"}`.
        points: one row per design point: the factors, the metric's mean and `of_interest`.
        trajectories: each box's peeling trajectory (coverage, density, mean, res dim, mass).
        files: the files written (`discover_json`, `peeling`).

    Example:
        >>> found = discover("results/mentor_supply_lhs", "relapse_rate_365",
        ...                  above=0.5)                          # doctest: +SKIP
        >>> found.points.groupby("of_interest").size()           # doctest: +SKIP
    """

    document: dict[str, Any]
    points: pd.DataFrame = field(repr=False)
    trajectories: list[pd.DataFrame] = field(repr=False)
    files: dict[str, str] = field(default_factory=dict)

    @property
    def boxes(self) -> list[dict[str, Any]]:
        """The boxes found, first (largest share of the cases) first."""
        return self.document["boxes"]


def design_points(runs: pd.DataFrame, metric: str, source: str) -> tuple[pd.DataFrame, list[str]]:
    """The metric's mean per design point, and the factor columns that vary.

    Args:
        runs: an experiment's runs (`load_results`), with its manifest in `attrs`.
        metric: the outcome column.
        source: the results folder (for errors).

    Returns:
        (one row per design point: factors and `metric`; the factor names).

    Raises:
        ExperimentError: the metric is not in the results, or the experiment has no factors.
    """
    manifest = runs.attrs.get("manifest", {})
    metrics = [m for m in manifest.get("metrics", []) if m in runs.columns]
    if metric not in metrics:
        raise ExperimentError(
            source,
            "--metric",
            metric,
            problem="is not a metric of this experiment",
            allowed=", ".join(metrics) or "a metric the experiment recorded",
        )
    factors = [f["key"] for f in manifest.get("design", {}).get("factors", [])]
    factors = [f for f in factors if f in runs.columns]
    if runs["scenario"].nunique() > 1:
        factors.append("scenario")  # scenarios compared in one experiment are a factor too
    if not factors:
        raise ExperimentError(
            source,
            "factors",
            problem="has no design columns (the experiment varied nothing)",
            allowed="the results of an experiment with `factors:`",
        )
    points = runs.groupby(["scenario", "point_id"], sort=True).agg(
        {**{f: "first" for f in factors if f != "scenario"}, metric: "mean"}
    )
    points = points.reset_index().drop(columns="point_id")
    points = points[[*factors, metric]].dropna(subset=[metric]).reset_index(drop=True)
    return points, factors


def discover(
    results: str | Path,
    metric: str,
    above: float | None = None,
    below: float | None = None,
    min_coverage: float = 0.5,
    max_boxes: int = 3,
    out: str | Path | None = None,
) -> Discovery:
    """Find the factor ranges in which an experiment's metric is above (or below) a threshold.

    Args:
        results: an experiment's results folder (`recovery-sim experiment --out`).
        metric: the outcome, e.g. `relapse_rate_365`; its mean per design point is compared.
        above: cases of interest are points whose mean is above this value ...
        below: ... or below this one (give exactly one).
        min_coverage: each box is the densest step of its peeling trajectory that still holds
            at least this share of the cases of interest (0-1).
        max_boxes: at most this many boxes; PRIM also stops when a box is no denser than the
            cases left outside the earlier boxes.
        out: folder for `discover.json` and `peeling.png` (None writes nothing).

    Returns:
        A `Discovery`: `.boxes`, `.document`, `.points`, `.trajectories`, `.files`.

    Raises:
        ExperimentError: not a results folder, an unknown metric, no factors, a bad threshold,
            or no design point beyond the threshold.

    Example:
        >>> found = discover("results/mentor_supply_lhs", "relapse_rate_365",
        ...                  above=0.5)                          # doctest: +SKIP
        >>> found.boxes[0]["limits"]                             # doctest: +SKIP
    """
    source = str(results)
    if (above is None) == (below is None):
        raise ExperimentError(
            source, "threshold", problem="needs exactly one of --above X or --below X"
        )
    if not 0 < min_coverage <= 1 or max_boxes < 1:
        raise ExperimentError(
            source,
            "min_coverage" if not 0 < min_coverage <= 1 else "max_boxes",
            min_coverage if not 0 < min_coverage <= 1 else max_boxes,
            allowed="min_coverage in (0, 1] and max_boxes >= 1",
        )
    points, factors = design_points(load_results(results), metric, source)
    threshold = float(above if above is not None else below)
    values = points[metric].to_numpy(dtype=float)
    of_interest = values > threshold if above is not None else values < threshold
    side = "above" if above is not None else "below"
    if not of_interest.any():
        raise ExperimentError(
            source,
            "--metric",
            metric,
            problem=f"is {side} {threshold:g} at no design point (means range "
            f"{values.min():.4g} to {values.max():.4g} over {len(values)} points)",
            allowed="a threshold inside that range",
        )
    points = points.assign(of_interest=of_interest)
    boxes, trajectories, chosen = _find_boxes(points, factors, min_coverage, max_boxes)
    document = to_jsonable(
        {
            "results": source,
            "metric": metric,
            side: threshold,
            "points": len(points),
            "cases_of_interest": int(of_interest.sum()),
            "factors": factors,
            "min_coverage": min_coverage,
            "boxes": boxes,
        }
    )
    found = Discovery(document, points, trajectories)
    if out is not None:
        from simulation.design.figures import peeling_figure

        out = Path(out)
        found.files = {
            "peeling": str(peeling_figure(trajectories, chosen, out / "peeling.png")),
            "discover_json": str(out / "discover.json"),
        }
        write_json(out / "discover.json", document | {"files": found.files})
    return found


def _find_boxes(
    points: pd.DataFrame, factors: list[str], min_coverage: float, max_boxes: int
) -> tuple[list[dict[str, Any]], list[pd.DataFrame], list[int]]:
    import prim

    x = points[factors].copy()
    for name in factors:
        if x[name].dtype == object or isinstance(x[name].dtype, pd.StringDtype):
            x[name] = x[name].astype(str).astype(object)  # PRIM peels object columns by level
    y = points["of_interest"].to_numpy(dtype=bool)
    boxes: list[dict[str, Any]] = []
    trajectories, chosen = [], []
    outside = np.ones(len(y), dtype=bool)  # points in no box yet
    with warnings.catch_warnings():  # the package's pandas idioms warn under pandas 3
        warnings.simplefilter("ignore", FutureWarning)
        finder = prim.Prim(x, y, peel_alpha=PEEL_ALPHA, paste_alpha=PEEL_ALPHA, mass_min=MASS_MIN)
        while len(boxes) < max_boxes and y[outside].any():
            box = finder.find_box()
            if box is None:
                break
            trajectory = box.peeling_trajectory.astype(float)
            # PRIM's coverage counts every case of interest; ask for min_coverage of those left.
            step = _choose_step(trajectory, min_coverage * y[outside].sum() / y.sum())
            if trajectory["density"].iloc[step] <= y[outside].mean():
                break  # no denser than the points left outside the earlier boxes
            box.select(step)
            boxes.append(_box_document(box, trajectory.iloc[step], x))
            trajectories.append(trajectory)
            chosen.append(step)
            outside[box.yi] = False
    return boxes, trajectories, chosen


def _choose_step(trajectory: pd.DataFrame, min_coverage: float) -> int:
    """The densest step with at least `min_coverage` (the widest box on ties)."""
    ok = trajectory.index[trajectory["coverage"] >= min_coverage - 1e-12]
    candidates = trajectory.loc[ok] if len(ok) else trajectory.iloc[[0]]
    best = candidates["density"].max()
    return int(candidates.index[candidates["density"] >= best - 1e-12][0])


def _box_document(box: Any, stats: pd.Series, x: pd.DataFrame) -> dict[str, Any]:
    """A box's limits on its restricted factors, coverage, density, mass and quasi-p values.

    `PrimBox.limits` of prim 1.0.0 cannot hold a categorical factor's levels under pandas 3
    (it writes a set into a float column), so the limits are read from the box's trajectory
    (`_box_lims`, rows min and max; a set of levels for a categorical factor) instead.
    """
    from prim.scenario_discovery_util import determine_restricted_dims

    step = box._cur_box
    lims = box._box_lims[step]
    quasi_p = box._calculate_quasi_p(step)
    limits: dict[str, Any] = {}
    for name in determine_restricted_dims(lims, box.prim._box_init):
        low, high = lims[name][0], lims[name][1]
        if isinstance(low, set | frozenset) or x[name].dtype == object:
            limits[name] = {"levels": sorted(map(str, low))}
        else:
            limits[name] = {"min": float(low), "max": float(high)}
    return {
        "limits": limits,
        "coverage": float(stats["coverage"]),
        "density": float(stats["density"]),
        "mass": float(stats["mass"]),
        "points": len(box.yi),
        "restricted_factors": len(limits),
        "quasi_p": {name: float(quasi_p[name]) for name in limits},
    }
