"""`recovery-sim run` imports only what a run needs; the other commands load when they run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Libraries and packages of the other commands (experiments, calibration fits, design search,
#: dashboard, figures) that a plain run never needs.
NOT_FOR_A_RUN = (
    "optuna",
    "matplotlib",
    "SALib",
    "solara",
    "dask",
    "filelock",
    "simulation.experiments",
    "simulation.design",
    "simulation.dashboard",
    "simulation.calibration.fitting",
    "simulation.commands.compare",
    "simulation.commands.experiment",
    "simulation.commands.analyze",
    "simulation.commands.calibrate",
)


def _modules_after(code: str) -> dict:
    """Run `code` in a fresh interpreter; the modules it imported and what it printed."""
    script = (
        "import contextlib, io, json, sys\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"{code}"
        "print(json.dumps({'modules': sorted(sys.modules), 'out': out.getvalue()}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return json.loads(done.stdout.splitlines()[-1])


def test_a_run_imports_none_of_the_other_commands_libraries():
    found = _modules_after(
        "    from simulation.cli import main\n"
        "    main(['run', 'scenarios/treatment_as_usual.yaml', '--population', '60',\n"
        "          '--days', '10', '--workers', '1', '--json'])\n"
    )
    summary = json.loads(found["out"])
    assert summary["population"] == 60 and summary["days"] == 10
    imported = set(found["modules"])
    assert "simulation.model.model" in imported and "simulation.commands.run" in imported
    heavy = [m for m in NOT_FOR_A_RUN if m in imported]
    assert not heavy, f"a run imported {heavy}"


def test_the_command_line_itself_imports_no_command_until_one_runs():
    found = _modules_after("    import simulation.cli\n")
    imported = set(found["modules"])
    assert not [m for m in imported if m.startswith("simulation.commands.")]
    assert not {"numpy", "pandas", "mesa", "scipy"} & imported
