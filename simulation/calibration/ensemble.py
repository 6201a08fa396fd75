"""Building the posterior ensemble: design runs, emulator, ABC-SMC, then the files shipped.

`build_ensemble` is what `recovery-sim calibrate` runs. Every step can be repeated: the design
runs resume from their results folder, the emulator is refitted from whatever points are
there, and the ABC continues its pyabc History database when it has the same inputs (a new
design or other settings start a new database, named by their fingerprint).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from simulation.calibration.abc_fit import AbcResult, rejection_abc
from simulation.calibration.design_runs import (
    DesignSettings,
    read_design,
    run_design,
    settings_dict,
)
from simulation.calibration.emulator import Emulator, cross_validate
from simulation.calibration.posterior import POSTERIOR_FILE, PROVENANCE_FILE
from simulation.calibration.priors import PRIOR_KEYS, PRIORS, to_unit
from simulation.calibration.target_runs import FitTarget, fit_targets
from simulation.calibration.targets import DEFAULT_TARGETS, MORE_TARGETS, CalibrationError
from simulation.experiments.results import package_versions
from simulation.running.result_files import write_parquet, write_text

#: Packages whose versions the provenance records.
PACKAGES = ("recovery-sim", "pyabc", "scikit-learn", "numpy", "scipy", "pandas", "mesa")
#: Fewest finished design points an emulator is fitted to.
MIN_POINTS = 40


@dataclass(frozen=True)
class AbcSettings:
    """Settings of the ABC on the emulator."""

    draws: int = 400
    max_candidates: int = 2_000_000
    seed: int = 20261202


@dataclass
class Ensemble:
    """A built ensemble: its draws, the ABC run, the emulator and its cross-validation."""

    result: AbcResult
    emulator: Emulator
    validation: pd.DataFrame
    targets: list[FitTarget]
    points: int
    design: pd.DataFrame  # the finished design points: parameter values and target values
    provenance: dict[str, Any] = field(default_factory=dict)


def fitted_targets(targets: list[FitTarget], leave_out: str | None = None) -> list[FitTarget]:
    """The targets the ABC fits: the fitted ones, without a group when leaving it out.

    Args:
        targets: every target.
        leave_out: a group to leave out (for validation), or None.

    Returns:
        The targets to fit.
    """
    return [t for t in targets if t.fitted and t.group != leave_out]


def build_ensemble(
    design_folder: str | Path,
    design: DesignSettings | None = None,
    abc: AbcSettings | None = None,
    *,
    workers: int | None = None,
    dask_local: int | None = None,
    dask_scheduler: str | None = None,
    limit: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    command: str = "",
) -> Ensemble:
    """Run (or resume) the design, fit the emulator, run the ABC and return the ensemble.

    Args:
        design_folder: results folder of the design runs (resumed when it exists).
        design: the design's settings (default: `DesignSettings()`).
        abc: the ABC's settings (default: `AbcSettings()`).
        workers: local worker processes for the design runs.
        dask_local: run the design on a new Dask LocalCluster of this many workers.
        dask_scheduler: run the design on the Dask cluster at this address.
        limit: run at most this many design points now (the ensemble uses what is finished;
            0 runs none).
        on_progress: `on_progress(runs, failed)` after each finished batch of design runs.
        command: the command line, for the provenance.

    Returns:
        The ensemble (not yet written; see `write_ensemble`).

    Raises:
        CalibrationError: fewer than MIN_POINTS design points have finished.
    """
    folder = Path(design_folder)
    design, abc = design or DesignSettings(), abc or AbcSettings()
    if limit != 0:  # 0: use the points already finished (another session may be running more)
        run_design(
            folder,
            design,
            workers=workers,
            dask_local=dask_local,
            dask_scheduler=dask_scheduler,
            limit=limit,
            on_progress=on_progress,
        )
    parameters, unit, values = read_design(folder)
    if len(unit) < MIN_POINTS:
        raise CalibrationError(
            f"{folder} holds {len(unit)} finished design points; the emulator needs at least "
            f"{MIN_POINTS}: run `recovery-sim calibrate` again without --limit (it resumes)."
        )
    targets = fit_targets()
    fitted = fitted_targets(targets)
    emulated = values[[t.id for t in fitted]]  # the ABC and leave-out need only these
    emulator = Emulator.fit(unit.to_numpy(), emulated, seed=abc.seed)
    validation = cross_validate(unit.to_numpy(), emulated, seed=abc.seed)
    result = rejection_abc(
        emulator, fitted, draws=abc.draws, seed=abc.seed, max_candidates=abc.max_candidates
    )
    design_frame = pd.concat([parameters, values], axis=1)
    ensemble = Ensemble(result, emulator, validation, targets, len(unit), design_frame)
    ensemble.provenance = provenance(ensemble, design, abc, command)
    return ensemble


def fingerprint(values: pd.DataFrame, abc: AbcSettings, extra: str = "") -> str:
    """A short hash of the design's results and the ABC settings (names the History database)."""
    digest = hashlib.sha256(pd.util.hash_pandas_object(values, index=True).values.tobytes())
    digest.update(json.dumps([abc.__dict__, extra], sort_keys=True).encode())
    return digest.hexdigest()[:12]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _prior_record(p) -> dict[str, Any]:
    scale = "log" if p.log else "linear"
    return {"key": p.key, "prior": [p.low, p.high], "scale": scale, "basis": p.basis, "why": p.why}


def _target_record(t: FitTarget) -> dict[str, Any]:
    band = [float(v) for v in t.band]
    return {"id": t.id, "band": band, "point": t.point, "group": t.group, "fitted": t.fitted}


def provenance(
    ensemble: Ensemble, design: DesignSettings, abc: AbcSettings, command: str
) -> dict[str, Any]:
    """What an ensemble is: targets, files and hashes, seeds, settings, versions, date, method.

    Args:
        ensemble: the built ensemble.
        design: the design's settings.
        abc: the ABC's settings.
        command: the command that built it.

    Returns:
        A plain mapping (written as YAML beside the ensemble).
    """
    r = ensemble.result
    return {
        "method": "Latin-hypercube design of model runs -> Gaussian-process emulator per "
        "target (scikit-learn, WhiteKernel for run noise) -> rejection ABC on the emulator "
        "(prior draws whose emulated targets, latent uncertainty included, all fall inside "
        "their bands; tolerance 0 unless too few do)",
        "built": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
        "draws": len(r.values),
        "parameters": [_prior_record(p) for p in PRIORS],
        "targets": [_target_record(t) for t in ensemble.targets],
        "target_files": {
            str(p.relative_to(p.parents[2])): _sha256(p)
            for p in (DEFAULT_TARGETS, MORE_TARGETS)
            if p.exists()
        },
        "design": {**settings_dict(design), "finished_points": ensemble.points, "kind": "lhs"},
        "abc": {
            **abc.__dict__,
            "candidates": r.evaluations,
            "accepted_share": round(len(r.values) / r.evaluations, 6) if r.evaluations else None,
            "tolerance": round(r.epsilons[-1], 4),
        },
        "emulator_cross_validation": {
            t: {k: round(float(v), 4) for k, v in row.items()}
            for t, row in ensemble.validation.iterrows()
        },
        "seed": abc.seed,
        "versions": package_versions(PACKAGES),
    }


def write_ensemble(
    ensemble: Ensemble, path: str | Path = POSTERIOR_FILE, provenance_path: str | Path | None = None
) -> tuple[Path, Path]:
    """Write the draws (Parquet) and the provenance (YAML beside them).

    Args:
        ensemble: the built ensemble.
        path: the Parquet file (default: the package's).
        provenance_path: the YAML file (default: `path` with `.yaml`; the package's for the
            default path).

    Returns:
        (the ensemble file, the provenance file).
    """
    path = Path(path)
    if provenance_path is None:
        provenance_path = PROVENANCE_FILE if path == POSTERIOR_FILE else path.with_suffix(".yaml")
    frame = ensemble.result.values.copy()
    frame.index.name = "draw"
    write_parquet(path, frame)
    write_parquet(design_file(path), ensemble.design)
    header = "# How simulation/calibration/data/posterior.parquet was built. Written by\n"
    header += "# `recovery-sim calibrate`; do not edit by hand.\n"
    write_text(provenance_path, header + yaml.safe_dump(ensemble.provenance, sort_keys=False))
    return path, Path(provenance_path)


def design_file(ensemble_path: Path) -> Path:
    """The design points shipped beside an ensemble (what its emulator was fitted to).

    Args:
        ensemble_path: the ensemble's Parquet file.

    Returns:
        `<name>-design.parquet` beside it.
    """
    return ensemble_path.with_name(ensemble_path.stem + "-design.parquet")


def design_frame_emulator(path: Path | None = None, seed: int = AbcSettings.seed) -> Emulator:
    """The emulator refitted to the design points shipped beside an ensemble.

    Args:
        path: a design file written by `write_ensemble` (default: the package's).
        seed: seed of the optimiser and the folds.

    Returns:
        The emulator of every fitted target.

    Raises:
        CalibrationError: the file is missing.
    """
    path = path or design_file(POSTERIOR_FILE)
    if not path.exists():
        raise CalibrationError(
            f"design points {path} do not exist; `recovery-sim calibrate` writes them beside "
            "the ensemble."
        )
    frame = pd.read_parquet(path)
    ids = [t.id for t in fitted_targets(fit_targets())]
    return Emulator.fit(to_unit(frame[list(PRIOR_KEYS)]), frame[ids], seed)
