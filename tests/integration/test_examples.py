"""Every example in docs/examples runs as documented, so the examples never rot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))
#: Something each script prints when it has worked.
EXPECTED = {
    "planners_comparison.py": "Difference from treatment_as_usual",
    "researchers_sweep.py": "Daily series, one row per run and day",
    "inside_one_model.py": "Participants by status",
    "salib_sensitivity.py": "mu* (sigma)",
    "mesa_batch_run.py": "mentoring__caseload_cap",
    "design_search.py": "Best design within $2,000",
}


def test_every_script_is_listed():
    assert sorted(p.name for p in SCRIPTS) == sorted(EXPECTED)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_example_script_runs(script, tmp_path):
    """Run with this interpreter (the venv's), from a folder that is not the repository."""
    done = subprocess.run(
        [sys.executable, str(script), *([str(tmp_path)] if "sweep" in script.name else [])],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "MPLBACKEND": "Agg"},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert EXPECTED[script.name] in done.stdout


def test_notebook_executes_in_this_interpreter():
    """The notebook runs top to bottom in a `python3` kernel that is this venv's Python.

    jupyter_client starts the `python3` kernel with `sys.executable` when its spec says
    `python` (as ipykernel's bundled spec does), and falls back to ipykernel in this
    interpreter when no spec is installed, so a fresh `pip install -e '.[test]'` needs no
    manual step.
    """
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(EXAMPLES / "explore.ipynb", as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.prefix)"))
    NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=180,
        resources={"metadata": {"path": str(EXAMPLES)}},
    ).execute()
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    printed = notebook.cells[-1].outputs[0]["text"].strip()
    assert printed == sys.prefix  # the kernel runs in this virtual environment
