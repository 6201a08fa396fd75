"""Results are identical on any executor; failing runs are recorded and the batch goes on."""

from __future__ import annotations

import pandas as pd
import pytest
from experiment_files import daily, runs, write

from simulation.cli import cli, main
from simulation.experiments import run_experiment
from simulation.running.runner import simulate
from simulation.scenario.files import BUNDLED_SCENARIOS

# The commands load on demand; load them all now, before a test here patches
# `simulation.running.runner.simulate`: a module first imported under the patch (api, compare,
# ... import `simulate` by name) would keep the stand-in for the rest of the session.
cli.all_commands()

BASE = str(BUNDLED_SCENARIOS / "community_peer_mentoring.yaml")
SMALL = {
    "name": "small",
    "scenarios": [BASE],
    "set": {"population.size": 120, "days": 30},
    "factors": {
        "mentoring.caseload_cap": {"range": [2, 10]},
        "mentoring.matching": ["random", "same_substance"],
    },
    "design": {"kind": "lhs", "points": 6},
    "replicates": 2,
    "seed": 11,
    "daily": True,
}


@pytest.fixture(scope="module")
def dask_scheduler():
    """A 2-worker Dask LocalCluster (processes, no dashboard) for the module's tests."""
    from dask.distributed import LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    yield cluster.scheduler_address
    cluster.close()


def test_serial_process_pool_and_dask_give_identical_results(tmp_path, dask_scheduler, monkeypatch):
    path = write(tmp_path, SMALL)
    serial = run_experiment(path, out=tmp_path / "serial", workers=0)
    # Hand over to a fresh pool every 2 batches per worker, to exercise the hand-over too.
    monkeypatch.setattr("simulation.running.pool.TASKS_PER_WORKER", 2)
    pool = run_experiment(path, out=tmp_path / "pool", workers=2, batch_size=1)
    dask = run_experiment(path, out=tmp_path / "dask", dask_scheduler=dask_scheduler)
    assert serial.counts == pool.counts == dask.counts
    assert serial.counts["ok"] == 12 and serial.counts["remaining"] == 0
    reference = runs(tmp_path / "serial")
    assert reference["run_id"].tolist() == list(range(12))
    pd.testing.assert_frame_equal(reference, runs(tmp_path / "pool"))
    pd.testing.assert_frame_equal(reference, runs(tmp_path / "dask"))
    pd.testing.assert_frame_equal(daily(tmp_path / "serial"), daily(tmp_path / "dask"))
    assert len(daily(tmp_path / "serial")) == 12 * 30


def test_limit_then_resume_equals_one_go(tmp_path):
    path = write(tmp_path, SMALL)
    whole = run_experiment(path, out=tmp_path / "whole", workers=0)
    first = run_experiment(path, out=tmp_path / "parts", workers=0, limit=5, batch_size=2)
    assert first.status == "incomplete" and first.counts["remaining"] == 7
    second = run_experiment(path, out=tmp_path / "parts", workers=0, resume=True)
    assert second.skipped == 5 and second.tally.completed == 7
    assert whole.status == second.status == "complete"
    pd.testing.assert_frame_equal(runs(tmp_path / "whole"), runs(tmp_path / "parts"))


def fails_at_caseload_4(scenario, seed):
    """A simulator that raises for one design point (injected, like a model bug would)."""
    if scenario.mentoring.caseload_cap == 4:
        raise RuntimeError("model blew up")
    return simulate(scenario, seed)


def test_a_failing_run_is_recorded_retried_and_the_rest_finish(tmp_path):
    data = {**SMALL, "factors": {"mentoring.caseload_cap": [3, 4, 5]}, "design": "factorial"}
    outcome = run_experiment(
        write(tmp_path, data), out=tmp_path / "out", workers=0, simulator=fails_at_caseload_4
    )
    table = runs(tmp_path / "out")
    failed = table[table["status"] == "failed"]
    assert len(table) == 6 and outcome.counts["failed"] == 2 == outcome.tally.failed
    assert set(failed["mentoring.caseload_cap"]) == {4}
    assert failed["error"].str.startswith("RuntimeError: model blew up").all()
    assert (failed["attempts"] == 2).all() and failed["relapse_rate_365"].isna().all()
    ok = table[table["status"] == "ok"]
    assert ok["error"].isna().all() and ok["in_recovery_end"].notna().all()
    # Daily rows exist only for the runs that finished.
    assert set(daily(tmp_path / "out")["run_id"]) == set(ok["run_id"])


def test_cli_exits_nonzero_when_a_run_fails_for_good(tmp_path, capsys, monkeypatch):
    # In-process (--workers 0) runs call simulation.running.runner.simulate at run time: patch it.
    monkeypatch.setattr("simulation.running.runner.simulate", fails_at_caseload_4)
    data = {
        **SMALL,
        "factors": {"mentoring.caseload_cap": [3, 4]},
        "design": "factorial",
        "replicates": 1,
        "daily": False,
    }
    argv = ["experiment", str(write(tmp_path, data)), "--out", str(tmp_path / "o")]
    with pytest.raises(SystemExit) as caught:
        main([*argv, "--workers", "0"])
    assert caught.value.code == 1
    table = runs(tmp_path / "o")
    assert table["status"].tolist() == ["ok", "failed"]
    assert "RuntimeError: model blew up" in table["error"].iloc[1]
    assert "1 run(s) failed" in capsys.readouterr().err
