"""`intake.referrals_csv`: a program's referrals by month, read from a CSV next to the file."""

from __future__ import annotations

import os
import time

import pytest

from simulation.errors import ScenarioError
from simulation.scenario.files import load_scenario, scenario_yaml


def _scenario(tmp_path, csv_text, extra=""):
    (tmp_path / "referrals.csv").write_text(csv_text)
    path = tmp_path / "open.yaml"
    path.write_text("days: 90\nintake:\n  enabled: true\n  referrals_csv: referrals.csv\n" + extra)
    return path


def test_the_csv_counts_become_referrals_by_month(tmp_path):
    path = _scenario(tmp_path, "month,referrals,note\n1,12,winter\n2,30.5,\n3,0,\n")
    scenario = load_scenario(path)
    assert scenario.intake.referrals_by_month == [12.0, 30.5, 0.0]
    assert "referrals_csv" not in scenario_yaml(scenario)  # the numbers travel, not the file


def test_a_child_file_inherits_the_parents_csv_relative_to_the_parent(tmp_path):
    _scenario(tmp_path, "month,referrals\n1,5\n")
    sub = tmp_path / "designs"
    sub.mkdir()
    (sub / "child.yaml").write_text("extends: ../open.yaml\nname: child\n")
    assert load_scenario(sub / "child.yaml").intake.referrals_by_month == [5.0]


@pytest.mark.parametrize(
    ("csv_text", "problem"),
    [
        ("month,count\n1,5\n", "no month/referrals rows"),
        ("month,referrals\n1,5\n3,4\n", "bad row at line 3"),
        ("month,referrals\n1,-2\n", "bad row at line 2"),
        ("month,referrals\n1,lots\n", "bad row at line 2"),
    ],
)
def test_bad_csv_rows_name_the_file_the_key_and_the_line(tmp_path, csv_text, problem):
    path = _scenario(tmp_path, csv_text)
    with pytest.raises(ScenarioError, match=problem) as caught:
        load_scenario(path)
    assert caught.value.key == "intake.referrals_csv"
    assert str(path) in str(caught.value)


def test_a_missing_csv_or_both_keys_are_errors(tmp_path):
    path = tmp_path / "open.yaml"
    path.write_text("intake:\n  enabled: true\n  referrals_csv: nowhere.csv\n")
    with pytest.raises(ScenarioError, match="names a file that does not exist"):
        load_scenario(path)
    both = _scenario(tmp_path, "month,referrals\n1,5\n", "  referrals_by_month: [3]\n")
    with pytest.raises(ScenarioError, match="clashes"):
        load_scenario(both)


def _naming(tmp_path, target):
    path = tmp_path / "open.yaml"
    path.write_text(f"intake:\n  enabled: true\n  referrals_csv: {target}\n")
    return path


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda d: os.mkfifo(d / "pipe.csv") or "pipe.csv", "a named pipe"),
        (lambda d: "/dev/zero", "a character device"),
        (lambda d: os.symlink("/dev/zero", d / "zero.csv") or "zero.csv", "a character device"),
        (
            lambda d: (d / "big.csv").write_bytes(b"month,referrals\n" * 70_000) and "big.csv",
            "too large",
        ),
        (
            lambda d: (d / "bin.csv").write_bytes(b"month,referrals\n1,\x002\n") and "bin.csv",
            "binary",
        ),
    ],
    ids=["fifo", "dev-zero", "link-to-dev-zero", "too-large", "binary"],
)
def test_a_csv_that_is_not_a_small_text_file_is_refused_without_reading_it(tmp_path, make, problem):
    """The strict reader guards the CSV as it guards YAML: no hang, no unbounded read."""
    path = _naming(tmp_path, make(tmp_path))
    started = time.monotonic()
    with pytest.raises(ScenarioError, match=problem) as refused:
        load_scenario(path)
    assert time.monotonic() - started < 10
    message = str(refused.value)
    assert message.startswith(str(path)) and "intake.referrals_csv" in message
    assert "CSV referrals file" in message and len(message) < 600
