"""The calibrated posterior ensemble shipped with recovery-sim: load it, and say how it was made.

    >>> import simulation as rs
    >>> draws = rs.load_posterior()
    >>> len(draws) >= 200
    True

Each row is one draw, a plausible set of the parameters that describe people and evidence
(baseline hazards, the course of use, mortality, lever effect sizes, engagement decay); each
column is a dotted scenario key, so a draw applies to any scenario as overrides
(`with_overrides(scenario, draws.loc[d].to_dict())`, or `--set key=value`). Program design
levers (caseload, contacts per week, setting, ...) are never in it.

## How the ensemble is built (`recovery-sim calibrate`, `simulation.calibration.ensemble`)

The machine budget decides the method. One evaluation of all targets (every run they need, at
500 participants) takes several seconds, and ABC-SMC on the model itself needs many thousands of
evaluations, which two shared cores cannot give. So the model is run only on a space-filling
design (a Latin hypercube over the priors, `design_runs`, through the experiment machinery:
resumable, local pool or Dask), a Gaussian process emulates each target from it (`emulator`,
with a white-noise term for the run-to-run noise), and ABC runs on the emulator against every
target's band at once (`abc_fit.rejection_abc`): prior candidates whose emulated targets (the
emulator's own uncertainty included) all fall in their bands. pyabc's ABC-SMC was tried first
(`abc_fit.fit_abc`); in 27 dimensions its importance weights collapsed onto a few particles,
while rejection on the cheap, vectorised emulator gives independent, equally weighted draws.
`recovery-sim calibrate --check` then runs the real model at a sample of the draws (the
posterior predictive) against every target. docs/calibration.md says more.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from simulation.calibration.targets import CalibrationError

DATA = Path(__file__).resolve().parent / "data"
POSTERIOR_FILE = DATA / "posterior.parquet"
PROVENANCE_FILE = DATA / "posterior.yaml"


def load_posterior(path: str | Path | None = None) -> pd.DataFrame:
    """The posterior ensemble: one row per draw, one column per calibrated parameter.

    Args:
        path: an ensemble written by `recovery-sim calibrate --ensemble-out`; default: the one
            shipped in the package.

    Returns:
        A DataFrame indexed by `draw` (0..n-1), columns the dotted scenario keys, float values.
        A copy: changing it does not change later loads.

    Raises:
        CalibrationError: the file is missing or is not an ensemble.

    Example:
        >>> draws = load_posterior()
        >>> "relapse.alcohol.initial_lapse_rate_per_day" in draws.columns
        True
    """
    return _read(str(Path(path) if path is not None else POSTERIOR_FILE)).copy()


@lru_cache(maxsize=4)
def _read(path: str) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(path)
    except FileNotFoundError:
        raise CalibrationError(
            f"posterior ensemble {path} does not exist; build it with `recovery-sim calibrate` "
            "or pass the file `recovery-sim calibrate --ensemble-out` wrote."
        ) from None
    except (OSError, ValueError) as exc:
        raise CalibrationError(
            f"posterior ensemble {path} cannot be read ({type(exc).__name__}); allowed: a "
            "Parquet file written by `recovery-sim calibrate`."
        ) from None
    frame = frame.astype(float)
    frame.index = pd.RangeIndex(len(frame), name="draw")
    return frame


def posterior_provenance(path: str | Path | None = None) -> dict[str, Any]:
    """How the ensemble was built: targets (with file hashes), seed, versions, settings, date.

    Args:
        path: the provenance file beside an ensemble; default: the shipped one.

    Returns:
        The provenance mapping (see `simulation.calibration.ensemble.provenance`).

    Raises:
        CalibrationError: the file is missing or not YAML.
    """
    path = Path(path) if path is not None else PROVENANCE_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CalibrationError(
            f"posterior provenance {path} does not exist; `recovery-sim calibrate` writes it "
            "beside the ensemble."
        ) from None
    except yaml.YAMLError as exc:
        raise CalibrationError(f"posterior provenance {path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise CalibrationError(f"posterior provenance {path} is not a mapping.")
    return data
