"""Analysing a results folder: per-point summaries, main effects and sensitivity indices.

- Per design point and metric: the number of finished runs, their mean and a 95% t-interval.
- Main effects per factor: the mean of a metric at each level (factorial, or a factor given
  as levels) or in each of up to eight quantile bins (a sampled range), with its interval.
- Sobol indices (first order S1, total ST; SALib.analyze.sobol) for a Sobol design and Morris
  elementary effects (mu*, sigma; SALib.analyze.morris) for a Morris design, per base scenario
  and metric, from each point's mean over its replicates. They need every point of the design
  to have a finished run; otherwise the reason is given instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy import stats

from simulation.errors import ExperimentError
from simulation.experiments.designs import design_seed
from simulation.experiments.results_folder import (
    DESIGN,
    MANIFEST,
    RUNS,
    read_dataset,
    read_manifest,
)
from simulation.optional import require

MAX_BINS = 8


@dataclass
class Results:
    """A results folder read back: manifest, design points and the finished runs."""

    folder: Path
    manifest: dict
    points: pd.DataFrame
    runs: pd.DataFrame  # status == "ok" only
    failed: int
    factors: list[dict]
    metrics: list[str]
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # damaged part files left out

    @property
    def factor_keys(self) -> list[str]:
        """The factors' dotted keys, in the design's order."""
        return [f["key"] for f in self.factors]


def load_results(folder: str | Path) -> Results:
    """Read a results folder written by `recovery-sim experiment`.

    A damaged part file (truncated, corrupt) is left out with a warning that names it
    (`Results.warnings`); `--resume` quarantines it and reruns its runs.

    Args:
        folder: the experiment's results folder.

    Returns:
        The manifest, the design points and the finished runs.

    Raises:
        ExperimentError: not a results folder, a damaged manifest or design, or no runs yet.
    """
    folder = Path(folder)
    if not (folder / MANIFEST).exists():
        raise ExperimentError(
            str(folder),
            "",
            problem="is not an experiment results folder (no manifest.json)",
            allowed="the --out folder of `recovery-sim experiment`",
        )
    manifest = read_manifest(folder)
    try:
        points = pd.read_parquet(folder / DESIGN)
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise ExperimentError(
            str(folder / DESIGN),
            "",
            problem=f"cannot be read ({type(exc).__name__})",
            allowed="`recovery-sim experiment FILE --out DIR --resume` rewrites it from the plan",
        ) from None
    runs, warnings = read_dataset(folder / RUNS, ("run_id", "status"))
    if runs is None:
        raise ExperimentError(str(folder), "", problem="holds no finished runs yet")
    ok = runs["status"] == "ok"
    metrics = [m for m in manifest["metrics"] if m in runs and runs.loc[ok, m].notna().any()]
    return Results(
        folder,
        manifest,
        points,
        runs[ok].sort_values("run_id").reset_index(drop=True),
        int((~ok).sum()),
        manifest["design"]["factors"],
        metrics,
        warnings=warnings,
    )


def interval(group: pd.core.groupby.SeriesGroupBy) -> pd.DataFrame:
    """n, mean and 95% t-interval of each group (interval empty for fewer than 2 values)."""
    table = group.agg(["count", "mean", "std"]).rename(columns={"count": "n"})
    n = table["n"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * table["std"] / np.sqrt(n)
    half = half.where(table["n"] >= 2)
    table["ci_low"], table["ci_high"] = table["mean"] - half, table["mean"] + half
    return table.drop(columns="std")


def point_summary(results: Results) -> pd.DataFrame:
    """One row per design point and metric: n, mean, 95% interval, with the factor values."""
    frames = []
    for metric in results.metrics:
        table = interval(results.runs.groupby("point_id")[metric]).reset_index()
        table.insert(1, "metric", metric)
        frames.append(table)
    summary = pd.concat(frames, ignore_index=True)
    columns = ["point_id", "scenario", *results.factor_keys]
    return (
        results.points[columns]
        .merge(summary, on="point_id")
        .sort_values(["metric", "point_id"], kind="stable", ignore_index=True)
    )


def main_effects(results: Results) -> pd.DataFrame:
    """Mean and interval of each metric across each factor's levels (or value bins)."""
    runs, frames = results.runs, []
    for factor in results.factors:
        key = factor["key"]
        if factor["levels"] is not None:
            position = runs[key].map({v: i for i, v in enumerate(factor["levels"])})
            label = runs[key].astype(str)
        else:
            bins = min(MAX_BINS, runs[key].nunique())
            position = pd.qcut(runs[key], bins, labels=False, duplicates="drop")
            label = position.map(runs.groupby(position)[key].mean())
        for metric in results.metrics:
            keys = [runs["scenario"], position.rename("position"), label.rename("level")]
            table = interval(runs[metric].groupby(keys)).reset_index()
            table.insert(0, "factor", key)
            table.insert(1, "metric", metric)
            frames.append(table)
    return pd.concat(frames, ignore_index=True)


def sensitivity(results: Results) -> pd.DataFrame:
    """Sobol or Morris indices per scenario, metric and factor (empty for other designs)."""
    design = results.manifest["design"]
    kind = design["kind"]
    columns = ["scenario", "metric", "method", "factor", "index", "value", "conf"]
    if kind not in ("sobol", "morris"):
        results.notes.append(f"no sensitivity indices: a {kind} design does not support them")
        return pd.DataFrame(columns=columns)
    spec = results.manifest["experiment"]["resolved"]
    problem = design["salib_problem"]
    seed = design_seed(spec["seed"])
    rows = []
    means = results.runs.groupby("point_id")[results.metrics].mean()
    for scenario, points in results.points.groupby("scenario", sort=False):
        points = points.sort_values("design_row")
        missing = ~points["point_id"].isin(means.index)
        if missing.any():
            results.notes.append(
                f"{scenario}: no {kind} indices yet; {int(missing.sum())} of {len(points)} "
                "design points have no finished run (run the rest with --resume)"
            )
            continue
        for metric in results.metrics:
            y = means.loc[points["point_id"], metric].to_numpy(dtype=float)
            if not np.isfinite(y).all():
                results.notes.append(f"{scenario}: {metric} is missing at some points; skipped")
                continue
            if kind == "sobol":
                sobol_analyze = require("SALib.analyze.sobol", "sensitivity", "Sobol indices")
                found = sobol_analyze.analyze(
                    problem, y, calc_second_order=spec["design"]["second_order"], seed=seed
                )
                pairs = (("S1", "S1_conf"), ("ST", "ST_conf"))
            else:
                x = points[[f"sample:{k}" for k in problem["names"]]].to_numpy(dtype=float)
                morris_analyze = require("SALib.analyze.morris", "sensitivity", "Morris indices")
                found = morris_analyze.analyze(
                    problem, x, y, num_levels=spec["design"]["levels"], seed=seed
                )
                pairs = (("mu_star", "mu_star_conf"), ("sigma", None), ("mu", None))
            for i, name in enumerate(problem["names"]):
                for index, conf in pairs:
                    rows.append(
                        (
                            scenario,
                            metric,
                            kind,
                            name,
                            index,
                            float(found[index][i]),
                            float(found[conf][i]) if conf else np.nan,
                        )
                    )
    return pd.DataFrame(rows, columns=columns)


@dataclass
class Analysis:
    """What `analyze` computed and where it wrote it."""

    results: Results
    summary: pd.DataFrame
    effects: pd.DataFrame
    indices: pd.DataFrame
    files: list[Path]


def analyze(folder: str | Path, out: str | Path | None = None) -> Analysis:
    """Summaries, main effects, sensitivity indices and figures for a results folder.

    Writes point_summary.{parquet,csv}, main_effects.csv, sensitivity.csv (Sobol/Morris designs)
    and figures/*.png into `out` (default: <folder>/analysis).
    """
    from simulation.experiments.figures import main_effects_figure, sensitivity_figure
    from simulation.running.result_files import check_writable, write_parquet, write_text

    results = load_results(folder)
    out = check_writable(Path(out) if out else results.folder / "analysis", "--out")
    summary, effects = point_summary(results), main_effects(results)
    indices = sensitivity(results)
    files = [
        write_parquet(out / "point_summary.parquet", summary),
        write_text(out / "point_summary.csv", summary.to_csv(index=False)),
        write_text(out / "main_effects.csv", effects.to_csv(index=False)),
    ]
    if not indices.empty:
        files.append(write_text(out / "sensitivity.csv", indices.to_csv(index=False)))
    for metric in results.metrics:
        files.append(
            main_effects_figure(effects, metric, out / "figures" / f"main_effects_{metric}.png")
        )
    for (scenario, metric), _ in indices.groupby(["scenario", "metric"], sort=False):
        name = (
            f"sensitivity_{metric}.png"
            if results.points["scenario"].nunique() == 1
            else (f"sensitivity_{scenario}_{metric}.png")
        )
        files.append(sensitivity_figure(indices, scenario, metric, out / "figures" / name))
    return Analysis(results, summary, effects, indices, files)
