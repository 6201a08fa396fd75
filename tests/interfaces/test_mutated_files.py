"""Mutated bundled files: `validate` (scenarios) and loading (experiments) answer, never crash.

Hypothesis takes a bundled scenario or experiment file and damages it: deletes, duplicates or
re-indents lines, swaps characters, inserts random bytes or text, or replaces a value with one of
another type. Whatever the damage, the answer is either success or one short paragraph (exit 2,
a RecoverySimError), never a traceback, within seconds. Derandomized, so every run tries the same
files; raise MAX_EXAMPLES locally to search wider.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulation.cli import cli
from simulation.errors import RecoverySimError
from simulation.experiments.designs import make_design
from simulation.experiments.loading import load_experiment

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
EXPERIMENTS = sorted((ROOT / "experiments").glob("*.yaml"))
MAX_EXAMPLES = 60
SECONDS = 10.0
#: Values of other types (and YAML oddities) a mutation puts in place of a value.
OTHER_VALUES = [
    "[1, 2, 3]",
    "{a: 1}",
    "-1",
    "0",
    "1e400",
    "-.inf",
    ".nan",
    "yes",
    "null",
    "~",
    "''",
    '"' + "x" * 500 + '"',
    "&anchor 5",
    "*anchor",
    "*undefined",
    "99999999999999999999999999",
    "2024-02-30",
    "!!binary aGVsbG8=",
    "!!python/name:os.system",
    "{range: [1, 0]}",
    "{levels: []}",
    "[]",
    "{}",
    "|\n  block text",
    ">-",
]


@pytest.fixture(scope="module")
def sandbox():
    """A copy of scenarios/ and experiments/, so relative `extends:` and paths still resolve."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        shutil.copytree(ROOT / "scenarios", root / "scenarios")
        shutil.copytree(ROOT / "experiments", root / "experiments")
        yield root


@st.composite
def mutation(draw, text: bytes) -> bytes:
    lines = text.split(b"\n")
    kind = draw(
        st.sampled_from(
            ["delete", "duplicate", "indent", "swap", "bytes", "unicode", "value", "truncate"]
        )
    )
    i = draw(st.integers(0, max(len(lines) - 1, 0)))
    if kind == "delete":
        del lines[i]
    elif kind == "duplicate":
        lines.insert(i, lines[i])
    elif kind == "indent":
        lines[i] = draw(st.sampled_from([b" ", b"  ", b"\t", b"- "])) + lines[i]
    elif kind == "value":
        match = re.match(rb"^(\s*(?:- )?[\w.]+:)\s*(.*)$", lines[i])
        value = draw(st.sampled_from(OTHER_VALUES) | st.text(max_size=20)).encode("utf-8")
        if match:
            lines[i] = match.group(1) + b" " + value
        else:
            lines[i] = value
    joined = b"\n".join(lines)
    position = draw(st.integers(0, len(joined)))
    if kind == "swap" and len(joined) > 1:
        p = min(position, len(joined) - 2)
        joined = joined[:p] + joined[p + 1 : p + 2] + joined[p : p + 1] + joined[p + 2 :]
    elif kind == "bytes":
        joined = joined[:position] + draw(st.binary(min_size=1, max_size=8)) + joined[position:]
    elif kind == "unicode":
        inserted = draw(st.text(min_size=1, max_size=8)).encode("utf-8", "surrogatepass")
        joined = joined[:position] + inserted + joined[position:]
    elif kind == "truncate":
        joined = joined[:position]
    return joined


@st.composite
def mutated(draw, files: list[Path]) -> tuple[str, bytes]:
    path = draw(st.sampled_from(files))
    text = path.read_bytes()
    for _ in range(draw(st.integers(1, 3))):
        text = draw(mutation(text))
    return path.name, text


def assert_one_paragraph(message: str) -> None:
    assert "Traceback" not in message
    assert message.count("\n") <= 1, message  # one line (and its end)
    assert len(message) < 1500, len(message)


SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,  # timed below, with the issue's bound, rather than hypothesis' 200 ms
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(case=mutated(SCENARIOS))
def test_a_mutated_scenario_validates_or_is_refused_in_one_paragraph(sandbox, case):
    name, text = case
    path = sandbox / "scenarios" / f"mutant_{name}"  # beside the parents it extends
    path.write_bytes(text)
    start = time.monotonic()
    result = CliRunner().invoke(cli, ["validate", str(path)])
    elapsed = time.monotonic() - start
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}"
    )
    assert result.exit_code in (0, 2), result.output
    assert_one_paragraph(result.output)
    assert elapsed < SECONDS, elapsed


@SETTINGS
@given(case=mutated(EXPERIMENTS))
def test_a_mutated_experiment_loads_or_is_refused_in_one_paragraph(sandbox, case):
    name, text = case
    path = sandbox / "experiments" / f"mutant_{name}"
    path.write_bytes(text)
    start = time.monotonic()
    try:
        loaded = load_experiment(path)
        make_design(loaded.spec, loaded.factors)  # the design must also be drawable
    except RecoverySimError as exc:
        assert_one_paragraph(str(exc))
    elapsed = time.monotonic() - start
    assert elapsed < SECONDS, elapsed
