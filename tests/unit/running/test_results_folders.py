"""Results folders under stress.

Concurrent resumes, failed starts, damaged parts, unwritable places and a full disk. Each
refusal is exit 2 with one paragraph; nothing written is lost or doubled.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from experiment_files import daily, runs, write

from simulation.cli import cli, main
from simulation.experiments import run_experiment
from simulation.running.folder_lock import OWNER_FILE, locked_folder
from simulation.running.result_files import ResultsWriteError, check_writable
from simulation.scenario.files import BUNDLED_SCENARIOS

# The commands load on demand; load them all now, before a test here patches
# `simulation.running.runner.simulate`: a module first imported under the patch (api, compare,
# ... import `simulate` by name) would keep the stand-in for the rest of the session.
cli.all_commands()

BASE = str(BUNDLED_SCENARIOS / "community_peer_mentoring.yaml")
TAU = str(BUNDLED_SCENARIOS / "treatment_as_usual.yaml")
SMALL = {
    "name": "folders",
    "scenarios": [BASE],
    "set": {"population.size": 100, "days": 30},
    "factors": {"mentoring.caseload_cap": {"range": [2, 10]}},
    "design": {"kind": "lhs", "points": 6},
    "replicates": 2,
    "seed": 3,
    "daily": True,
}


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "simulation", *args], capture_output=True, text=True, timeout=300
    )


def exit_code(capsys, *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    return info.value.code, capsys.readouterr().err


def one_paragraph(text: str) -> str:
    assert "Traceback" not in text
    assert text.strip().count("\n") == 0, text
    return text


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """The experiment run in one go, serially: what every recovered folder must equal."""
    folder = tmp_path_factory.mktemp("reference")
    out = folder / "out"
    run_experiment(write(folder, SMALL), out=out, workers=0)
    return out


# --- two runs of one folder ------------------------------------------------------------------


def test_a_held_folder_refuses_a_second_resume_and_names_the_holder(tmp_path):
    path = write(tmp_path, SMALL)
    out = tmp_path / "out"
    first = run_experiment(path, out=out, workers=0, limit=4, batch_size=2)
    before = sorted(p.name for p in (out / "runs").iterdir())
    with locked_folder(out):
        done = cli("experiment", str(path), "--out", str(out), "--resume", "--workers", "0")
    assert done.returncode == 2
    message = one_paragraph(done.stderr)
    assert str(out) in message and "another recovery-sim run" in message
    assert f"pid {os.getpid()}" in message
    assert sorted(p.name for p in (out / "runs").iterdir()) == before  # it ran nothing
    assert len(json.loads((out / "manifest.json").read_text())["sessions"]) == 1
    assert first.counts["recorded"] == 4


def test_two_concurrent_resumes_run_every_run_once(tmp_path):
    # Runs long enough (a few seconds) that the second resume starts while the first runs.
    slow = {**SMALL, "set": {"population.size": 500, "days": 90}, "daily": False}
    path = write(tmp_path, slow)
    out = tmp_path / "out"
    run_experiment(path, out=out, workers=0, limit=2)
    args = ["experiment", str(path), "--out", str(out), "--resume", "--workers", "1"]
    first = subprocess.Popen(
        [sys.executable, "-m", "simulation", *args, "--batch-size", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not (out / OWNER_FILE).exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    second = cli(*args)
    assert first.poll() is None, "the first resume ended before the second one tried"
    first_err = first.communicate(timeout=300)[1]
    assert first.returncode == 0, first_err
    assert second.returncode == 2
    assert "another recovery-sim run" in one_paragraph(second.stderr)
    assert f"pid {first.pid}" in second.stderr
    recorded = runs(out)
    assert recorded["run_id"].tolist() == list(range(12))  # each run once, none doubled
    manifest = json.loads((out / "manifest.json").read_text())
    assert [s["status"] for s in manifest["sessions"]] == ["finished", "finished"]
    assert manifest["status"] == "complete"
    assert not (out / OWNER_FILE).exists()


# --- a folder must hold this experiment's results, or nothing ---------------------------------


def test_bad_executor_options_leave_no_folder(tmp_path, capsys):
    path = write(tmp_path, SMALL)
    out = tmp_path / "out"
    code, err = exit_code(
        capsys, "experiment", str(path), "--out", str(out), "--workers", "2", "--dask-local", "2"
    )
    assert code == 2 and "exclude each other" in one_paragraph(err)
    assert not out.exists()


def test_an_unreachable_scheduler_leaves_no_folder(tmp_path, capsys, monkeypatch):
    import dask.distributed

    def refuse(*_args, **_kwargs):
        raise OSError("Timed out trying to connect to tcp://10.255.255.1:8786")

    monkeypatch.setattr(dask.distributed, "Client", refuse)
    path = write(tmp_path, SMALL)
    out = tmp_path / "out"
    code, err = exit_code(
        capsys,
        "experiment",
        str(path),
        "--out",
        str(out),
        "--dask-scheduler",
        "tcp://10.255.255.1:8786",
    )
    assert code == 2 and "cannot be reached" in one_paragraph(err)
    assert not out.exists()


def test_leftovers_without_a_manifest_are_refused_not_adopted(tmp_path, capsys):
    # What an older failed start left: a design and a copy of another experiment, no manifest.
    out = tmp_path / "out"
    run_experiment(write(tmp_path, SMALL), out=out, workers=0, limit=2)
    (out / "manifest.json").unlink()
    design = (out / "design.parquet").read_bytes()
    other = write(tmp_path, {**SMALL, "name": "other", "seed": 4}, "other.yaml")
    for extra in ([], ["--resume"]):
        code, err = exit_code(
            capsys, "experiment", str(other), "--out", str(out), "--workers", "0", *extra
        )
        assert code == 2
        message = one_paragraph(err)
        assert "no manifest.json" in message and "design.parquet" in message
    assert (out / "design.parquet").read_bytes() == design
    assert len(runs(out)) == 2


def test_a_different_experiment_is_refused_on_resume(tmp_path, capsys):
    out = tmp_path / "out"
    run_experiment(write(tmp_path, SMALL), out=out, workers=0, limit=2)
    other = write(tmp_path, {**SMALL, "seed": 4}, "other.yaml")
    code, err = exit_code(
        capsys, "experiment", str(other), "--out", str(out), "--workers", "0", "--resume"
    )
    assert code == 2 and "different experiment" in one_paragraph(err)
    assert len(runs(out)) == 2


# --- damaged part files ----------------------------------------------------------------------


def damage(part: Path) -> None:
    data = part.read_bytes()
    part.write_bytes(data[: len(data) // 2])  # truncated, as a crash of the disk would leave it


def test_a_damaged_part_is_skipped_by_analyze_and_rerun_by_resume(tmp_path, capsys, reference):
    path = write(tmp_path, SMALL)
    out = tmp_path / "out"
    run_experiment(path, out=out, workers=0, batch_size=3)
    part = sorted((out / "runs").glob("*.parquet"))[1]
    damage(part)

    code = main(["analyze", str(out)]) or 0
    captured = capsys.readouterr()
    assert code == 0 and "Traceback" not in captured.err
    assert "warning:" in captured.err and part.name in captured.err.replace("\n", "")
    assert "finished runs" in captured.out and "9 finished runs" in captured.out

    notices: list[str] = []
    outcome = run_experiment(path, out=out, workers=0, resume=True, on_notice=notices.append)
    assert len(notices) == 1 and part.name in notices[0] and "run again" in notices[0]
    assert (out / "quarantine" / "runs" / part.name).exists()
    assert (out / "quarantine" / "daily" / part.name).exists()  # its daily rows go too
    assert outcome.tally.completed == 3 and outcome.counts["remaining"] == 0
    pd.testing.assert_frame_equal(runs(out), runs(reference))
    pd.testing.assert_frame_equal(daily(out), daily(reference))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["quarantined"][0]["part"] == f"runs/{part.name}"


def test_a_damaged_daily_part_takes_its_runs_with_it_on_resume(tmp_path, capsys, reference):
    path = write(tmp_path, SMALL)
    out = tmp_path / "out"
    run_experiment(path, out=out, workers=0, batch_size=4)
    part = sorted((out / "daily").glob("*.parquet"))[0]
    part.write_bytes(b"not parquet at all")
    main(["experiment", str(path), "--out", str(out), "--resume", "--workers", "0"])
    err = capsys.readouterr().err.replace("\n", "")
    assert part.name in err and "quarantine" in err and "Traceback" not in err
    assert not (out / "runs" / part.name).exists()
    pd.testing.assert_frame_equal(runs(out), runs(reference))
    pd.testing.assert_frame_equal(daily(out), daily(reference))


# --- unwritable places, found before anything runs -------------------------------------------


def never_simulate(*_args, **_kwargs):
    raise AssertionError("a simulation ran before the unwritable --out was found")


UNWRITABLE = ["/proc/recovery-sim-results", "/proc/self/new-folder"]


@pytest.mark.parametrize("where", ["file", *UNWRITABLE])
def test_run_compare_and_experiment_refuse_an_unwritable_out_before_running(
    tmp_path, capsys, monkeypatch, where
):
    monkeypatch.setattr("simulation.running.runner.simulate", never_simulate)
    monkeypatch.setattr("simulation.running.runner.RecoveryCommunityModel", never_simulate)
    if where == "file":
        out = tmp_path / "a-file"
        out.write_text("in the way", encoding="utf-8")
        expected = "is a file"  # click's own check of --out says so first
    else:
        out, expected = Path(where), "cannot write"
    experiment = write(tmp_path, SMALL)
    commands = [
        ["run", BASE, "--population", "100000", "--out", str(out)],
        ["compare", TAU, BASE, "--population", "100000", "--replicates", "2", "--out", str(out)],
        ["experiment", str(experiment), "--out", str(out), "--workers", "0"],
    ]
    for args in commands:
        start = time.monotonic()
        code, err = exit_code(capsys, *args)
        assert time.monotonic() - start < 10
        assert code == 2, args
        assert "Traceback" not in err
        message = err if where == "file" else one_paragraph(err)
        assert expected in message and "--out" in message and str(out) in message
    if where == "file":
        assert out.read_text(encoding="utf-8") == "in the way"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_a_read_only_folder_is_refused(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(ResultsWriteError, match="cannot write"):
            check_writable(folder / "out")
    finally:
        folder.chmod(0o700)


def test_a_new_folder_under_a_writable_parent_is_fine_and_not_created(tmp_path):
    assert check_writable(tmp_path / "a" / "b") == tmp_path / "a" / "b"
    assert not (tmp_path / "a").exists()


def test_a_large_run_with_an_unwritable_out_is_refused_within_seconds():
    start = time.monotonic()
    assert cli("run", "--help").returncode == 0  # imports what a run imports, runs nothing
    startup = time.monotonic() - start  # the interpreter and imports, slow on a busy machine
    start = time.monotonic()
    done = cli("run", BASE, "--population", "100000", "--out", "/proc/recovery-sim")
    assert done.returncode == 2 and "cannot write" in one_paragraph(done.stderr)
    assert time.monotonic() - start < startup + 5  # a 100,000-person run takes minutes


# --- a full disk mid-run ---------------------------------------------------------------------


def test_a_full_disk_mid_experiment_stops_cleanly_and_resume_finishes(
    tmp_path, capsys, monkeypatch, reference
):
    import pyarrow.parquet as pq

    real, calls = pq.write_table, {"n": 0}

    def fills_up(table, where, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 5:  # the third batch's runs part (each batch: daily, then runs)
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(table, where, *args, **kwargs)

    monkeypatch.setattr("simulation.experiments.results.pq.write_table", fills_up)
    path = write(tmp_path, SMALL)
    out = tmp_path / "out"
    code, err = exit_code(
        capsys, "experiment", str(path), "--out", str(out), "--workers", "0", "--batch-size", "2"
    )
    assert code == 2
    message = one_paragraph(err.strip().splitlines()[-1])
    assert "the disk is full" in message and "4 runs are recorded" in message
    assert "--resume" in message
    assert runs(out)["run_id"].tolist() == [0, 1, 2, 3]  # what was written is whole
    assert not list(out.rglob(".*.tmp"))
    monkeypatch.undo()
    outcome = run_experiment(path, out=out, workers=0, resume=True)
    assert outcome.counts["remaining"] == 0 and outcome.tally.completed == 8
    pd.testing.assert_frame_equal(runs(out), runs(reference))
    pd.testing.assert_frame_equal(daily(out), daily(reference))


def test_a_full_disk_while_saving_a_run_says_so_in_one_paragraph(tmp_path, capsys, monkeypatch):
    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    out = tmp_path / "out"
    code, err = exit_code(
        capsys, "run", BASE, "--population", "80", "--days", "10", "--out", str(out)
    )
    assert code == 2
    message = one_paragraph(err)
    assert "daily.parquet" in message and "the disk is full" in message
    assert not list(out.glob("*.parquet")) and not list(out.glob(".*.tmp"))


def test_the_python_api_refuses_an_unwritable_out_before_running(tmp_path, monkeypatch):
    monkeypatch.setattr("simulation.running.runner.simulate", never_simulate)
    blocker = tmp_path / "blocker"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(ResultsWriteError, match="no folder can be made"):
        run_experiment(write(tmp_path, SMALL), out=blocker / "out", workers=0)
    with pytest.raises(ResultsWriteError, match="a file is in the way"):
        run_experiment(write(tmp_path, SMALL), out=blocker, workers=0)
    with pytest.raises(ResultsWriteError, match="cannot write"):
        run_experiment(write(tmp_path, SMALL), out="/proc/recovery-sim", workers=0)


def test_load_results_leaves_a_damaged_part_out_with_a_warning(tmp_path):
    from simulation.api import load_results
    from simulation.errors import ExperimentError

    out = tmp_path / "out"
    run_experiment(write(tmp_path, SMALL), out=out, workers=0, batch_size=4)
    part = sorted((out / "runs").glob("*.parquet"))[0]
    lost = set(pd.read_parquet(part)["run_id"])
    damage(part)
    with pytest.warns(UserWarning, match=part.name):
        frame = load_results(out)
    assert len(lost) == 4 and sorted(frame["run_id"]) == sorted(set(range(12)) - lost)
    (out / "manifest.json").write_text("{ not json", encoding="utf-8")
    with pytest.raises(ExperimentError, match=r"manifest\.json: cannot be read"):
        load_results(out)


def test_a_foreign_parquet_file_among_the_parts_is_quarantined(tmp_path, reference):
    path = write(tmp_path, SMALL)
    out = tmp_path / "out"
    run_experiment(path, out=out, workers=0)
    pd.DataFrame({"x": [1, 2]}).to_parquet(out / "runs" / "notes.parquet")
    notices: list[str] = []
    outcome = run_experiment(path, out=out, workers=0, resume=True, on_notice=notices.append)
    assert len(notices) == 1 and "not a part file" in notices[0]
    assert (out / "quarantine" / "runs" / "notes.parquet").exists()
    assert outcome.tally.completed == 0 and outcome.counts["recorded"] == 12
    pd.testing.assert_frame_equal(runs(out), runs(reference))
