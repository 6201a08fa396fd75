"""Optional extras: pyproject and simulation/optional.py agree; a missing one is one message."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from simulation.optional import EXTRAS, MissingDependencyError, require

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

#: Imported first in a child process: makes the optional packages unimportable.
BLOCKER = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in {"solara", "dask", "distributed", "SALib", "ipyvuetify"}:
            raise ImportError(f"No module named {name!r}")
sys.meta_path.insert(0, Block())
from simulation.cli import main
sys.argv = ["recovery-sim", *sys.argv[1:]]
main()
"""


def _requirement_names(requirements: list[str]) -> set[str]:
    return {r.split(">")[0].split("<")[0].split("[")[0].split("=")[0].strip() for r in requirements}


def test_each_extra_in_pyproject_installs_what_optional_py_says():
    extras = PYPROJECT["project"]["optional-dependencies"]
    for extra, distributions in EXTRAS.items():
        declared = _requirement_names(extras[extra])
        assert {d.split("[")[0] for d in distributions} - {"distributed"} <= declared | {"dask"}
    core = _requirement_names(PYPROJECT["project"]["dependencies"])
    assert not core & {"solara", "ipyvuetify", "dask", "SALib"}, "optional packages are core"
    assert set(EXTRAS) <= set(extras), "an extra named in optional.py is missing in pyproject"


def test_require_names_the_extra_to_install():
    with pytest.raises(MissingDependencyError, match=r"recovery-sim\[cluster\]") as caught:
        require("no_such_package_xyz.sub", "cluster", "Running on Dask")
    assert "Running on Dask needs the optional package 'no_such_package_xyz'" in str(caught.value)
    assert require("json", "cluster", "x").dumps([1]) == "[1]"


def _cli_without_extras(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", BLOCKER, *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_core_commands_work_without_the_extras():
    done = _cli_without_extras(
        "run", str(ROOT / "scenarios" / "community_peer_mentoring.yaml"),
        "--population", "100", "--days", "20", "--replicates", "1", "--workers", "1", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert '"relapse_rate_365"' in done.stdout or '"metrics"' in done.stdout


def test_the_dashboard_without_solara_is_one_paragraph_with_exit_2():
    done = _cli_without_extras("dashboard", "--port", "9")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "pip install 'recovery-sim[dashboard]'" in done.stderr
