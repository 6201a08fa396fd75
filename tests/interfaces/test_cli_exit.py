"""How a `recovery-sim` process ends: output intact, and no collection of what it leaves.

The console script freezes the garbage collector once its command is over (`cli._freeze_for_exit`),
so the interpreter does not spend most of a second collecting library cycles at exit. Checked
here: the child's own command freezes, its printed JSON and written files are whole, its error
exits keep their code and message, and a `main(argv)` inside a program that goes on does not
freeze.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

from cli_helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "treatment_as_usual.yaml"

#: The child reports, from an exit handler (run after `main` returns), whether it froze.
CHILD = """
import atexit, gc, sys
atexit.register(lambda: print("frozen", gc.get_freeze_count() > 0, file=sys.stderr))
from simulation.cli import main
sys.argv = ["recovery-sim", *sys.argv[1:]]
main()
"""


def _child(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", CHILD, *args], capture_output=True, text=True, cwd=ROOT, timeout=300
    )


def test_the_console_command_freezes_and_its_output_is_whole(tmp_path):
    out = tmp_path / "results"
    args = ["run", str(SCENARIO), "--population", "80", "--days", "20", "--workers", "1"]
    done = _child(*args, "--json", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "frozen True" in done.stderr
    summary = json.loads(done.stdout)  # the whole document, to its last brace
    assert summary["population"] == 80 and summary["days"] == 20
    written = sorted(p.name for p in out.rglob("*") if p.is_file())
    assert written, "the run wrote no files"
    for path in out.rglob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))  # each file complete


def test_an_error_still_exits_with_its_code_and_message(tmp_path):
    done = _child("run", str(tmp_path / "missing.yaml"))
    assert done.returncode == 2
    assert "missing.yaml" in done.stderr and "Traceback" not in done.stderr
    assert "frozen True" in done.stderr


def test_main_with_arguments_inside_a_program_does_not_freeze(capsys):
    before = gc.get_freeze_count()
    code, out, _ = run_cli(
        capsys,
        "run",
        str(SCENARIO),
        "--population",
        "40",
        "--days",
        "5",
        "--workers",
        "1",
        "--json",
    )
    assert code == 0 and json.loads(out)["population"] == 40
    assert gc.get_freeze_count() == before
