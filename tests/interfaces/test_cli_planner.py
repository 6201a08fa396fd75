"""The planner's command line.

Bundled names (with "did you mean"), `diff`, progress lines on stderr, and parameter columns in
compare's runs.parquet.
"""

from __future__ import annotations

import json
import re

import pandas as pd
from cli_helpers import run_cli

from simulation.running.progress import progress_lines, replicate_progress

SMALL = ("--population", "120", "--days", "30", "--workers", "1")


def test_run_takes_a_bundled_name(capsys):
    code, out, _ = run_cli(
        capsys, "run", "community_peer_mentoring", *SMALL, "--replicates", "1", "--json"
    )
    assert code == 0 and json.loads(out)["scenario"] == "community_peer_mentoring"


def test_unknown_name_suggests_the_closest(capsys):
    code, out, err = run_cli(capsys, "run", "comunity_peer_mentoring", *SMALL)
    assert code == 2 and out == ""
    assert "did you mean community_peer_mentoring" in err and "Traceback" not in err


def test_diff_lists_program_keys_with_both_values(capsys):
    code, out, _ = run_cli(capsys, "diff", "treatment_as_usual", "overloaded_mentors")
    assert code == 0
    assert "mentoring.enabled: false -> true" in out
    assert "mentoring.caseload_cap: 5 -> 20" in out and "population:" not in out
    code, out, _ = run_cli(
        capsys, "diff", "treatment_as_usual", "opioid_withdrawal_support", "--json"
    )
    rows = {row["key"]: row for row in json.loads(out)["differences"]}
    assert rows["population.substance_mix.opioids"] == {
        "key": "population.substance_mix.opioids",
        "kind": "population",
        "a": 0.25,
        "b": 1.0,
    }
    assert rows["mentoring.matching"]["kind"] == "program"


def test_progress_outside_a_terminal_is_a_line_every_tenth(capsys):
    with replicate_progress(40, "compare") as advance:
        for _ in range(40):
            advance()
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 10
    assert lines[0] == "compare: 4/40 runs (10%)" and lines[-1] == "compare: 40/40 runs (100%)"


def test_json_keeps_progress_on_stderr_and_stdout_clean(capsys):
    code, out, err = run_cli(
        capsys, "run", "community_peer_mentoring", *SMALL, "--replicates", "2", "--json"
    )
    assert code == 0 and json.loads(out)["replicates"] == 2
    assert err.splitlines() == [
        "community_peer_mentoring: 1/2 runs (50%)",
        "community_peer_mentoring: 2/2 runs (100%)",
    ]
    code, out, err = run_cli(
        capsys, "compare", "community_peer_mentoring", *SMALL, "--replicates", "2", "--json"
    )
    assert code == 0 and json.loads(out)["baseline"]  # design against its counterfactual
    assert err.splitlines()[-1] == "compare: 4/4 runs (100%)"


def test_progress_lines_count_on_from_a_resumed_start(capsys):
    advance = progress_lines(20, "optimize", "trials", start=10)
    for done in range(11, 21):
        advance(done, f"best {done}")
    assert capsys.readouterr().err.splitlines() == [
        "optimize: 12/20 trials (60%), best 12",
        "optimize: 14/20 trials (70%), best 14",
        "optimize: 16/20 trials (80%), best 16",
        "optimize: 18/20 trials (90%), best 18",
        "optimize: 20/20 trials (100%), best 20",
    ]


def test_compare_runs_carry_the_differing_parameters(capsys, tmp_path):
    code, _, err = run_cli(
        capsys,
        "compare",
        "treatment_as_usual",
        "overloaded_mentors",
        *SMALL,
        "--replicates",
        "2",
        "--out",
        str(tmp_path),
    )
    assert code == 0 and "compare: 4/4 runs (100%)" in err
    runs = pd.read_parquet(tmp_path / "runs.parquet")
    by_design = runs.groupby("scenario")["mentoring.enabled"].first()
    assert not by_design["treatment_as_usual"] and by_design["overloaded_mentors"]
    assert (
        runs.groupby("scenario")["mentoring.caseload_cap"].first().to_dict()
        == {
            "overloaded_mentors": 20,
            "treatment_as_usual": 5,
        }
        and "population.size" not in runs
    )


def test_readme_command_table_names_every_command_and_option():
    from pathlib import Path

    from simulation.cli import cli

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    rows = {
        line.split("`")[1].split()[1]: line
        for line in readme.splitlines()
        if line.startswith("| `recovery-sim ")
    }
    commands = cli.all_commands()  # the group imports each command's module on demand
    assert set(rows) == set(commands) == set(cli.list_commands(None))
    for name, command in commands.items():
        for param in command.params:
            for option in (o for o in param.opts if o.startswith("--")):
                assert option in rows[name], f"README's {name} row lacks {option}"


def _at_80_columns(*args: str) -> str:
    """`recovery-sim ARGS` in a fresh process with COLUMNS=80; its stdout."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "COLUMNS": "80", "PYTHONPATH": str(root)}
    result = subprocess.run(
        [sys.executable, "-m", "simulation", *args],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=root,
    )
    return result.stdout


def test_run_table_fits_80_columns_in_plain_words_and_units():
    out = _at_80_columns("run", "community_peer_mentoring", *SMALL, "--replicates", "2")
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80 and "…" not in out
    rows = [line.split("│")[1:-1] for line in lines if line.startswith("│")]
    first = [cells[0].strip() for cells in rows if cells[0].strip()]
    assert not [c for c in first if re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", c)]  # no snake_case
    cost = next(r for r in rows if r[0].strip() == "program cost per participant")
    assert re.fullmatch(r"\$\d{3}", cost[1].strip())  # $529, not 528.583
    assert re.fullmatch(r"\$\d{3} to \$\d{3}", cost[2].strip())
    share = next(r for r in rows if r[0].strip() == "no lapse by day 30 (%)")
    assert 0 < float(share[1]) < 100  # a percentage, not a 0-1 fraction
    assert any(r[0].strip() == "overdose deaths (per 120 people)" for r in rows)
    assert any(r[0].strip() == "median time to first lapse (days)" for r in rows)


def test_compare_tables_fit_80_columns_with_names_whole_and_units():
    designs = ["residential_peer_mentoring", "community_peer_mentoring", "digital_peer_platform"]
    designs += ["hybrid_peer_mentoring", "untrained_mentors"]
    small = ["--population", "120", "--days", "30", "--replicates", "2", "--workers", "1"]
    stdout = _at_80_columns("compare", "treatment_as_usual", *designs, *small)
    lines = stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in stdout
    assert "B = residential_peer_mentoring" in stdout
    assert "residential_peer_mentoring minus treatment_as_usual" in stdout
    cost = next(line for line in lines if line.startswith("│ program cost per participant"))
    assert "$0" in cost and "$" in cost.split("│")[3]  # dollars with a sign, not 2471.7
    assert any("overdose deaths (per 120 people)" in line for line in lines)
