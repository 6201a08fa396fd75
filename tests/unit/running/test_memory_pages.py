"""The command line turns NumPy's huge-page advice off only where the kernel would stall on it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from simulation.running import memory_pages
from simulation.running.memory_pages import NUMPY_SWITCH, avoid_compaction_stalls, chosen_mode


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        ("always defer defer+madvise [madvise] never\n", "madvise"),
        ("[always] defer defer+madvise madvise never", "always"),
        ("always defer [defer+madvise] madvise never", "defer+madvise"),
        ("always [defer] defer+madvise madvise never", "defer"),
        ("always defer defer+madvise madvise [never]", "never"),
        ("always defer madvise never", None),
    ],
)
def test_the_bracketed_mode_is_the_chosen_one(text, mode):
    assert chosen_mode(text) == mode


@pytest.mark.parametrize(
    ("text", "switched"),
    [
        ("always defer defer+madvise [madvise] never", True),
        ("[always] defer defer+madvise madvise never", True),
        ("always defer [defer+madvise] madvise never", True),
        ("always [defer] defer+madvise madvise never", False),
        ("always defer defer+madvise madvise [never]", False),
    ],
)
def test_the_advice_goes_off_only_where_faults_compact_synchronously(
    tmp_path, monkeypatch, text, switched
):
    setting = tmp_path / "defrag"
    setting.write_text(text, encoding="ascii")
    monkeypatch.setattr(memory_pages, "DEFRAG_SETTING", setting)
    environ: dict[str, str] = {}
    assert avoid_compaction_stalls(environ) is switched
    assert environ == ({NUMPY_SWITCH: "0"} if switched else {})


def test_a_value_the_user_set_is_kept(tmp_path, monkeypatch):
    setting = tmp_path / "defrag"
    setting.write_text("always defer defer+madvise [madvise] never", encoding="ascii")
    monkeypatch.setattr(memory_pages, "DEFRAG_SETTING", setting)
    environ = {NUMPY_SWITCH: "1"}
    assert not avoid_compaction_stalls(environ)
    assert environ == {NUMPY_SWITCH: "1"}


def test_an_unreadable_setting_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(memory_pages, "DEFRAG_SETTING", tmp_path / "missing")
    environ: dict[str, str] = {}
    assert not avoid_compaction_stalls(environ)
    assert environ == {}


def test_the_command_line_loads_without_numpy_so_the_switch_can_act():
    # NumPy reads the switch once, when imported: the CLI module must not import it first.
    code = "import sys, simulation.cli; print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
