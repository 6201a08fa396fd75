"""Runs are pure functions of (scenario, seed): same command, same bytes, on any executor."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.cli import main
from simulation.running.runner import replicate_seeds

ROOT = Path(__file__).resolve().parents[2]
CPM = str(ROOT / "scenarios" / "community_peer_mentoring.yaml")
ARGS = ["run", CPM, "--population", "250", "--days", "120", "--replicates", "2", "--seed", "11"]


def _json_output(capsys, *extra: str) -> str:
    main([*ARGS, *extra, "--json"])
    return capsys.readouterr().out


def test_same_command_twice_gives_byte_identical_json(capsys):
    first = _json_output(capsys, "--workers", "1")
    second = _json_output(capsys, "--workers", "1")
    assert first == second
    assert json.loads(first)["metrics"]["lapse_free_90"]["mean"] is not None


def test_workers_one_and_two_give_identical_json_and_daily_series(capsys, tmp_path):
    serial = _json_output(capsys, "--workers", "1", "--out", str(tmp_path / "one"))
    parallel = _json_output(capsys, "--workers", "2", "--out", str(tmp_path / "two"))
    assert serial == parallel
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "one" / "daily.parquet"),
        pd.read_parquet(tmp_path / "two" / "daily.parquet"),
    )


def test_different_seed_gives_different_numbers(capsys):
    a = json.loads(_json_output(capsys, "--workers", "1"))
    main([*ARGS[:-1], "12", "--json", "--workers", "1"])
    b = json.loads(capsys.readouterr().out)
    assert a["metrics"] != b["metrics"]


def test_replicate_seeds_are_spawned_from_the_master_seed():
    seeds = replicate_seeds(7, 4)
    expected = [int(c.generate_state(1)[0]) for c in np.random.SeedSequence(7).spawn(4)]
    assert seeds == expected
    assert len(set(seeds)) == 4
    assert replicate_seeds(7, 2) == seeds[:2]
