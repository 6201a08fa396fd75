"""Where a design search runs: in this process, a process pool or a local Dask cluster.

The replicate seeds and posterior draws are chosen before anything runs, so the same search
gives the same designs and numbers on every executor.
"""

from __future__ import annotations

import json

import pytest
from cli_helpers import run_cli

from simulation.design.optimize import optimize_design
from simulation.running.result_files import to_jsonable

LEVERS = """\
levers:
  mentoring.mentors_per_100_participants: {range: [2, 30]}
  mentoring.contacts_per_week: {range: [0.25, 3], scale: log}
  setting.kind: [community, digital]
"""
SMALL = {"population": 150, "days": 45, "replicates": 2, "seed": 3}
BUDGET = 1500.0


@pytest.fixture(scope="module")
def levers_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("levers") / "levers.yaml"
    path.write_text(LEVERS, encoding="utf-8")
    return path


def test_the_same_search_gives_the_same_designs_in_a_process_pool_or_on_dask(levers_file):
    """Same scenario and seed, same numbers: here, in two worker processes, on a Dask cluster."""
    here = optimize_design(
        "community_peer_mentoring", BUDGET, levers=levers_file, trials=3, workers=1, **SMALL
    )
    pool = optimize_design(
        "community_peer_mentoring", BUDGET, levers=levers_file, trials=3, workers=2, **SMALL
    )
    assert pool.document["all_designs"] == here.document["all_designs"]
    pytest.importorskip("dask.distributed")
    dask = optimize_design(
        "community_peer_mentoring", BUDGET, levers=levers_file, trials=3, dask_local=1, **SMALL
    )
    assert dask.document["all_designs"] == here.document["all_designs"]


def test_the_command_runs_a_tiny_search_on_a_local_dask_cluster(capsys, levers_file, tmp_path):
    pytest.importorskip("dask.distributed")
    code, out, _ = run_cli(
        capsys,
        *("optimize", "community_peer_mentoring", "--budget-per-participant", "1500"),
        *("--levers", str(levers_file), "--trials", "1", "--population", "100", "--days", "30"),
        *("--replicates", "2", "--dask-local", "1", "--uncertainty", "stochastic", "--json"),
        *("--out", str(tmp_path / "o")),
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["trials"] == 1 and doc["uncertainty"] == "stochastic"
    here = optimize_design(
        "community_peer_mentoring",
        1500,
        levers=levers_file,
        trials=1,
        population=100,
        days=30,
        replicates=2,
        uncertainty="stochastic",
    )
    assert doc["all_designs"] == to_jsonable(here.document["all_designs"])
