"""Hostile scenario files: each answered with exit 2 and one short paragraph, quickly (issue 11).

Binary and non-UTF-8 files, deep nesting, keys YAML reads as true/false or numbers, duplicate
keys, `extends:` to system files, devices and FIFOs, alias bombs, huge values, errors in a
parent file, and `--set` mistakes. Experiment files: tests/interfaces/test_hostile_experiments.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from cli_helpers import OWN_PEAK_MB

from simulation.cli import main
from simulation.errors import ScenarioError
from simulation.scenario.files import load_scenario
from simulation.scenario.yaml_reading import MAX_FILE_BYTES

ROOT = Path(__file__).resolve().parents[2]
TAU = ROOT / "scenarios" / "treatment_as_usual.yaml"
SECRET = "SECRET-HASH-0xDEADBEEF"
#: The issue's bound on every refusal.
SECONDS = 10.0


def cli(capsys, *args: str) -> tuple[int, str]:
    """`recovery-sim ARGS` in-process: (exit code, stdout + stderr), timed against SECONDS."""
    start = time.monotonic()
    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    elapsed = time.monotonic() - start
    out = capsys.readouterr()
    assert elapsed < SECONDS, f"took {elapsed:.1f} s"
    return code, out.out + out.err


def refused(capsys, *args: str) -> str:
    """Run the command, assert it refused in one short paragraph, and return the message."""
    code, text = cli(capsys, *args)
    assert code == 2, text
    assert "Traceback" not in text
    message = text.strip()
    assert message.startswith("error: "), message
    assert "\n" not in message, message  # one paragraph
    assert len(message) < 800, len(message)
    return message


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_a_binary_file_is_refused(capsys, tmp_path):
    path = write(tmp_path / "image.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    message = refused(capsys, "validate", path)
    assert str(path) in message and "binary file" in message


def test_a_file_not_in_utf8_names_the_byte_and_line(capsys, tmp_path):
    path = write(tmp_path / "latin1.yaml", "days: 90\ndescription: caf\xe9\n".encode("latin-1"))
    message = refused(capsys, "validate", path)
    assert "is not UTF-8 text (byte 0xe9 on line 2)" in message
    assert str(path) in message


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    path = write(tmp_path / "bom.yaml", "\ufeffdays: 77\n".encode())
    assert load_scenario(path).days == 77


@pytest.mark.parametrize(
    "text",
    [
        "description: " + "[" * 3000 + "]" * 3000,  # sequences in flow style
        "a: " + "{a: " * 3000 + "1" + "}" * 3000,  # mappings in flow style
        "".join(" " * i + "a:\n" for i in range(200)),  # block style, 200 levels
    ],
    ids=["sequences", "mappings", "block"],
)
def test_deep_nesting_is_refused_without_recursion_error(capsys, tmp_path, text):
    path = write(tmp_path / "deep.yaml", text)
    message = refused(capsys, "validate", path)
    assert "nest deeper than 50 levels" in message
    assert "RecursionError" not in message


def test_three_thousand_levels_of_block_nesting_are_refused(capsys, tmp_path):
    # 3,000 indented levels are 4.5 MB of spaces: refused for their size, before YAML reads them.
    path = write(tmp_path / "deep.yaml", "".join(" " * i + "k:\n" for i in range(3000)))
    message = refused(capsys, "validate", path)
    assert "too large for a scenario file" in message and f"{MAX_FILE_BYTES:,}" in message


@pytest.mark.parametrize(
    ("text", "key", "reading"),
    [
        ("yes: 1\n", "'yes'", "true/false"),
        ("on: 1\n", "'on'", "true/false"),
        ("1: 2\n", "'1'", "a number"),
        ("0.5: x\n", "'0.5'", "a number"),
        ("null: 3\n", "'null'", "null (no value)"),
        ("mentoring:\n  no: 3\n", "'no'", "true/false"),
    ],
)
def test_keys_yaml_reads_as_bools_or_numbers_are_refused(capsys, tmp_path, text, key, reading):
    path = write(tmp_path / "keys.yaml", text)
    message = refused(capsys, "validate", path)
    assert f"key {key} is read as {reading}, not as text" in message
    assert "line " in message


def test_a_quoted_yes_key_is_text_and_gets_the_unknown_key_message(capsys, tmp_path):
    path = write(tmp_path / "keys.yaml", '"yes": 1\n')
    message = refused(capsys, "validate", path)
    assert "yes is not a scenario key" in message


@pytest.mark.parametrize(
    ("text", "key", "lines"),
    [
        ("days: 90\ndays: 30\n", "'days'", "lines 1 and 2"),
        (
            "mentoring:\n  enabled: true\ndays: 30\nmentoring:\n  caseload_cap: 3\n",
            "'mentoring'",
            "lines 1 and 4",
        ),
        ("mentoring:\n  caseload_cap: 3\n  caseload_cap: 4\n", "'caseload_cap'", "lines 2 and 3"),
        ("relapse:\n  opioids: {hazard_shape: 1, hazard_shape: 2}\n", "'hazard_shape'", "lines 2"),
    ],
    ids=["top", "section", "nested", "flow"],
)
def test_duplicate_keys_at_any_depth_are_refused(capsys, tmp_path, text, key, lines):
    path = write(tmp_path / "twice.yaml", text)
    message = refused(capsys, "validate", path)
    assert f"key {key} appears twice ({lines}" in message


def test_merge_keys_still_override_without_counting_as_duplicates(tmp_path):
    text = (
        "description: &base_text a design\n"
        "mentoring: &m {enabled: true, caseload_cap: 4}\n"
        "training:\n  <<: {enabled: true, hours: 8}\n  hours: 24\n"
        "name: *base_text\n"
    )
    scenario = load_scenario(write(tmp_path / "merge.yaml", text))
    assert (scenario.training.hours, scenario.training.enabled) == (24, True)
    assert scenario.mentoring.caseload_cap == 4 and scenario.name == "a design"


def test_extends_to_a_system_file_is_refused_unread(capsys, tmp_path):
    shadow = write(tmp_path / "shadow", f"root:{SECRET}:19000:0:99999:7:::\n")
    child = write(tmp_path / "child.yaml", f"extends: {shadow}\n")
    message = refused(capsys, "validate", child)
    assert "extends" in message and "is not a scenario file" in message
    assert str(child) in message
    assert SECRET not in message and "19000" not in message


def test_a_yaml_named_file_that_is_not_a_mapping_is_not_echoed(capsys, tmp_path):
    write(tmp_path / "shadow.yaml", f"root:{SECRET}:19000:0:99999:7:::\nbin:*:19000::\n")
    child = write(tmp_path / "child.yaml", "extends: shadow.yaml\n")
    message = refused(capsys, "validate", child)
    assert "shadow.yaml: holds a key at the top level that is not a scenario key" in message
    assert "is this a scenario file?" in message and f"extended by {child}" in message
    assert SECRET not in message and "19000" not in message
    write(tmp_path / "shadow.yaml", f"root:{SECRET}:19000:0:99999:7\n")  # a plain string
    message = refused(capsys, "validate", child)
    assert "holds a str, not a mapping" in message and SECRET not in message


@pytest.mark.parametrize("system_file", ["/etc/passwd", "/etc/shadow", "/etc/hostname"])
def test_extends_to_real_system_files(capsys, tmp_path, system_file):
    if not Path(system_file).exists():
        pytest.skip(f"{system_file} is not on this machine")
    child = write(tmp_path / "child.yaml", f"extends: {system_file}\n")
    message = refused(capsys, "validate", child)
    assert "is not a scenario file" in message
    assert message.count(":") <= 4  # no line of an /etc file, whose fields are colon-separated


def test_an_error_in_a_parent_file_names_the_parent(capsys, tmp_path):
    parent = write(tmp_path / "parent.yaml", "days: -5\n")
    child = write(tmp_path / "child.yaml", "extends: parent.yaml\nname: kid\n")
    message = refused(capsys, "validate", child)
    assert message.startswith(f"error: {parent}: days = -5 is not allowed")
    assert f"extended by {child}" in message


def test_an_error_in_a_grandparent_names_the_grandparent_and_its_child(capsys, tmp_path):
    grandparent = write(tmp_path / "gp.yaml", "mentoring:\n  caseload_cap: 0\n")
    parent = write(tmp_path / "parent.yaml", "extends: gp.yaml\nmentoring:\n  enabled: true\n")
    child = write(tmp_path / "child.yaml", "extends: parent.yaml\ndays: 30\n")
    message = refused(capsys, "validate", child)
    assert message.startswith(f"error: {grandparent}: mentoring.caseload_cap = 0")
    assert f"extended by {parent}" in message


def test_a_value_the_child_overrides_is_blamed_on_the_child(capsys, tmp_path):
    write(tmp_path / "parent.yaml", "days: 30\n")
    child = write(tmp_path / "child.yaml", "extends: parent.yaml\ndays: 0\n")
    message = refused(capsys, "validate", child)
    assert message.startswith(f"error: {child}: days = 0 is not allowed")


def test_a_syntax_error_in_a_parent_names_the_parent_and_line(capsys, tmp_path):
    parent = write(tmp_path / "parent.yaml", "days: 30\nmentoring: [oops\n")
    child = write(tmp_path / "child.yaml", "extends: parent.yaml\n")
    message = refused(capsys, "validate", child)
    assert message.startswith(f"error: {parent}: is not valid YAML at line 3")
    assert f"extended by {child}" in message


def test_a_bad_parent_value_is_blamed_on_it_while_the_file_is_otherwise_fine(tmp_path):
    write(tmp_path / "parent.yaml", "mentoring:\n  enabled: true\n  caseload_cap: 3\n")
    child = write(tmp_path / "child.yaml", "extends: parent.yaml\nmentoring:\n  caseload_cap: 7\n")
    scenario = load_scenario(child)
    assert (scenario.mentoring.enabled, scenario.mentoring.caseload_cap) == (True, 7)


def alias_bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    lines.append(f"description: [{', '.join([f'*a{levels - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_quickly_with_a_short_message(capsys, tmp_path):
    path = write(tmp_path / "bomb.yaml", alias_bomb())
    message = refused(capsys, "validate", path)
    assert "holds more than 20,000 values (an alias counts its values at every use)" in message


def test_a_megabyte_of_values_is_refused_as_soon_as_the_count_passes_the_limit(capsys, tmp_path):
    from simulation.scenario.yaml_loader import MAX_VALUES, StrictLoader

    path = write(tmp_path / "many.yaml", "description: [" + ",".join(["1"] * 480_000) + "]\n")
    composed = []
    compose_node = StrictLoader.compose_node

    def counting(self, parent, index):
        composed.append(1)
        return compose_node(self, parent, index)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(StrictLoader, "compose_node", counting)
        message = refused(capsys, "validate", path)
    assert "holds more than 20,000 values" in message
    # Work, not wall time: the other ~460,000 values are never composed.
    assert MAX_VALUES < len(composed) < MAX_VALUES + 100


def test_an_alias_bomb_stays_far_below_a_gigabyte(tmp_path):
    path = write(tmp_path / "bomb.yaml", alias_bomb())
    code = (
        f"import sys\n{OWN_PEAK_MB}"
        "from simulation.errors import ScenarioError\n"
        "from simulation.scenario.files import load_scenario\n"
        "try:\n    load_scenario(sys.argv[1])\nexcept ScenarioError:\n    pass\n"
        "print(own_peak_mb())\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    peak_mb = float(done.stdout.strip())
    assert peak_mb < 1024, peak_mb


def test_an_alias_that_contains_itself_is_refused(capsys, tmp_path):
    path = write(tmp_path / "loop.yaml", "description: &a [1, *a]\n")
    message = refused(capsys, "validate", path)
    assert "an alias refers to the value that contains it" in message


def test_a_few_honest_aliases_are_fine(tmp_path):
    text = "mentoring: &m {enabled: true, caseload_cap: 6}\ndescription: &d same\nname: *d\n"
    assert load_scenario(write(tmp_path / "ok.yaml", text)).mentoring.caseload_cap == 6


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_extends_dev_zero_is_refused_by_name(capsys, tmp_path):
    child = write(tmp_path / "child.yaml", "extends: /dev/zero\n")
    assert "is not a scenario file" in refused(capsys, "validate", child)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_yaml_named_link_to_dev_zero_is_refused_without_reading(capsys, tmp_path):
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    child = write(tmp_path / "child.yaml", "extends: zero.yaml\n")
    message = refused(capsys, "validate", child)
    assert "/dev/zero: is a character device, not a file" in message
    assert refused(capsys, "validate", tmp_path / "zero.yaml").endswith(
        f"allowed: a YAML scenario file (a regular file of at most {MAX_FILE_BYTES:,} bytes)."
    )


def test_a_file_over_the_size_cap_is_refused(capsys, tmp_path):
    big = write(tmp_path / "big.yaml", "description: " + "x" * (MAX_FILE_BYTES + 10) + "\n")
    child = write(tmp_path / "child.yaml", "extends: big.yaml\n")
    message = refused(capsys, "validate", child)
    assert f"{big}: is {MAX_FILE_BYTES + 24:,} bytes, too large for a scenario file" in message
    assert "xxxxx" not in message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
@pytest.mark.parametrize("through_extends", [True, False])
def test_a_fifo_is_refused_without_blocking(tmp_path, through_extends):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    target = write(tmp_path / "child.yaml", "extends: pipe.yaml\n") if through_extends else fifo
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            load_scenario(target)
        except BaseException as exc:  # handed to the test thread
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)  # a blocked open must not hang pytest
    reader.start()
    reader.join(SECONDS)
    assert not reader.is_alive(), "reading a FIFO blocked"
    assert isinstance(outcome[0], ScenarioError)
    assert "is a named pipe (FIFO), not a file" in str(outcome[0])


def test_extends_cycle_and_long_chains_are_refused(capsys, tmp_path):
    write(tmp_path / "a.yaml", "extends: b.yaml\n")
    write(tmp_path / "b.yaml", "extends: a.yaml\n")
    assert "forms a cycle (a.yaml -> b.yaml -> a.yaml)" in refused(
        capsys, "validate", tmp_path / "a.yaml"
    )
    for i in range(40):
        write(tmp_path / f"c{i}.yaml", f"extends: c{i + 1}.yaml\n" if i < 39 else "days: 9\n")
    assert "makes a chain of more than 20 files" in refused(
        capsys, "validate", tmp_path / "c0.yaml"
    )


@pytest.mark.parametrize("value", ["[a.yaml]", "''", "42"])
def test_extends_that_is_not_a_path_is_refused(capsys, tmp_path, value):
    child = write(tmp_path / "child.yaml", f"extends: {value}\n")
    message = refused(capsys, "validate", child)
    assert (
        f"{child}: extends = " in message and "allowed: a scenario file (.yaml or .yml)" in message
    )


def test_set_extends_is_refused_not_ignored(capsys):
    message = refused(capsys, "run", TAU, "--set", "extends=other.yaml", "--days", "5")
    assert message == (
        "error: --set: extends = 'other.yaml' cannot be overridden; "
        "allowed: write `extends:` in the scenario file itself."
    )


def test_a_bad_set_value_names_set_not_the_file(capsys):
    message = refused(capsys, "run", TAU, "--set", "mentoring.caseload_cap=abc")
    assert message.startswith("error: --set: mentoring.caseload_cap = 'abc' is not allowed")
    assert str(TAU) not in message and "a whole number >= 1" in message


def test_a_bad_value_in_the_file_still_names_the_file_when_set_is_used(capsys, tmp_path):
    path = write(tmp_path / "bad.yaml", "days: 0\n")
    message = refused(capsys, "run", path, "--set", "mentoring.caseload_cap=4")
    assert message.startswith(f"error: {path}: days = 0 is not allowed")


def test_a_negative_seed_is_refused_by_the_option(capsys):
    code, text = cli(capsys, "run", TAU, "--seed", "-1", "--days", "5")
    assert code == 2 and "--seed" in text and "Traceback" not in text


def test_long_bad_values_and_keys_are_quoted_short(capsys, tmp_path):
    path = write(tmp_path / "long.yaml", f"days: {'y' * 5000}\n")
    message = refused(capsys, "validate", path)
    assert message.count("y") < 210 and "days = 'yyyy" in message
    path = write(tmp_path / "key.yaml", f"{'k' * 1000}: 1\n")  # YAML's longest plain key
    message = refused(capsys, "validate", path)
    assert message.count("k") < 210 and "is not a scenario key" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("days: " + "9" * 5000 + "\n", "a value cannot be read (Exceeds the limit"),
        ("description: 2020-02-31\n", "a value cannot be read (day is out of range"),
        ("days: 1\n---\ndays: 2\n", "but found another document"),
        ("days: !!python/object:os.system echo\n", "could not determine a constructor"),
        ("days: *nowhere\n", "found undefined alias"),
        ("? [a, b]\n: 1\n", "a key is a list or mapping, not text"),
        ("days:\t90\n", "is not valid YAML"),
    ],
    ids=["huge-int", "bad-date", "two-docs", "python-tag", "alias", "complex-key", "tab"],
)
def test_other_unreadable_values_get_one_paragraph(capsys, tmp_path, text, expected):
    message = refused(capsys, "validate", write(tmp_path / "odd.yaml", text))
    assert expected in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("mentoring={enabled: true, enabled: false}", "key 'enabled' appears twice"),
        ("description=" + "[" * 3000 + "]" * 3000, "values nest deeper than 50 levels"),
        ("mentoring={yes: 1}", "key 'yes' is read as true/false"),
    ],
    ids=["duplicate", "deep", "bool-key"],
)
def test_set_values_are_read_by_the_strict_reader(capsys, value, expected):
    message = refused(capsys, "run", TAU, "--set", value, "--days", "5")
    assert message.startswith("error: --set: ") and expected in message
    assert message.count("[") < 210


def test_a_set_value_that_is_not_yaml_stays_text():
    assert load_scenario(TAU, ["description=a: b: c"]).description == "a: b: c"


@pytest.mark.parametrize("command", ["validate", "run", "compare"])
def test_every_command_that_reads_scenarios_refuses_the_same_way(capsys, tmp_path, command):
    binary = write(tmp_path / "binary.yaml", b"days: 1\n\x00\x00")
    twice = write(tmp_path / "twice.yaml", "days: 1\ndays: 2\n")
    extra = [str(TAU)] if command == "compare" else []
    for path, expected in ((binary, "is a binary file"), (twice, "key 'days' appears twice")):
        message = refused(capsys, command, path, *extra)
        assert message.startswith(f"error: {path}: ") and expected in message
