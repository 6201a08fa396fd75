"""Small synthetic posterior ensembles for tests (the calibrated one is not needed to test PSA).

Each is a DataFrame as `simulation.calibration.posterior.load_posterior()` returns: index
`draw`, one column per calibrated parameter named by its dotted scenario key.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulation.scenario.schema import Scenario

#: The peer-contact effect (log hazard ratio): the parameter the tests spread widely.
SUPPORT = "mentoring.support_effect"
#: A second parameter, spread narrowly, that should not top the tornado.
FRAILTY = "relapse.frailty_variance"


def posterior(
    draws: int = 200,
    support: tuple[float, float] = (0.0, 5.0),
    frailty: tuple[float, float] = (0.43, 0.47),
    seed: int = 0,
) -> pd.DataFrame:
    """Uniform draws of the peer-contact effect and of frailty between the bounds given."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {SUPPORT: rng.uniform(*support, draws), FRAILTY: rng.uniform(*frailty, draws)}
    )
    frame.index.name = "draw"
    return frame


def degenerate(draws: int = 50) -> pd.DataFrame:
    """Every draw equal to the schema's defaults: parameter uncertainty of zero."""
    defaults = Scenario()
    frame = pd.DataFrame(
        {
            SUPPORT: [defaults.mentoring.support_effect] * draws,
            FRAILTY: [defaults.relapse.frailty_variance] * draws,
        }
    )
    frame.index.name = "draw"
    return frame
