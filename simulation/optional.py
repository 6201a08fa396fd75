"""Optional dependencies: what needs them, and the one message when one is missing.

`pip install recovery-sim` gives the model, scenario files, runs, comparisons and experiments
with factorial and Latin-hypercube designs. Three extras add what not every user needs:
`dashboard` (Solara), `cluster` (Dask) and `sensitivity` (SALib's Sobol and Morris designs and
indices). `make venv` installs all of them.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from simulation.errors import RecoverySimError

#: Extra -> the distributions it installs (kept in step with pyproject.toml by a test).
EXTRAS: dict[str, tuple[str, ...]] = {
    "dashboard": ("solara", "ipyvuetify"),
    "cluster": ("dask", "distributed"),
    "sensitivity": ("SALib",),
}


class MissingDependencyError(RecoverySimError, ImportError):
    """A feature needs an optional package that is not installed."""


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import an optional module, or say in one paragraph how to install it.

    Args:
        module: the dotted module to import (e.g. "SALib.sample.sobol").
        extra: the recovery-sim extra that installs it (a key of `EXTRAS`).
        purpose: what needs it, for the message (e.g. "a Sobol design").

    Returns:
        The imported module.

    Raises:
        MissingDependencyError: the module cannot be imported.
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise MissingDependencyError(
            f"{purpose} needs the optional package '{module.split('.')[0]}', which is not "
            f"installed ({error.msg}); allowed: install it with "
            f"`pip install 'recovery-sim[{extra}]'` (`make venv` installs every extra)."
        ) from None
