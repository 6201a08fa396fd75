"""The command line turns NumPy's huge-page advice off only where the kernel would stall on it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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


GLIBC = memory_pages.c_library().startswith("glibc")


@pytest.mark.parametrize(
    "given",
    [{"MALLOC_MMAP_MAX_": "65536"}, {"MALLOC_TRIM_THRESHOLD_": "0"}, {"GLIBC_TUNABLES": ""}],
)
def test_malloc_switches_the_user_set_are_kept(given):
    environ = dict(given)
    assert not memory_pages.reuse_freed_memory(environ, this_process=False)
    assert environ == given


def test_malloc_switches_are_left_alone_outside_glibc(monkeypatch):
    monkeypatch.setattr(memory_pages, "c_library", lambda: "")
    environ: dict[str, str] = {}
    assert not memory_pages.reuse_freed_memory(environ, this_process=False)
    assert environ == {}


@pytest.mark.skipif(not GLIBC, reason="glibc's allocator switches")
def test_workers_get_the_malloc_switches_through_their_environment():
    environ: dict[str, str] = {}
    assert memory_pages.reuse_freed_memory(environ, this_process=False)
    assert environ == {"MALLOC_MMAP_MAX_": "0", "MALLOC_TRIM_THRESHOLD_": str(1 << 30)}


#: A child that frees a 64 MB array and makes another: the page faults of the second.
REFAULTS = """
import resource, sys
{setup}
import numpy as np
a = np.ones(8 << 20)
del a
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
b = np.ones(8 << 20)
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""
#: 4 KB pages in 64 MB: what a fresh mapping faults in (on small pages).
PAGES = (64 << 20) // 4096


def _refaults(setup: str, env: dict[str, str]) -> int:
    out = subprocess.run(
        [sys.executable, "-c", REFAULTS.format(setup=setup)],
        capture_output=True,
        text=True,
        check=True,
        env={"NUMPY_MADVISE_HUGEPAGE": "0", "PATH": "/usr/bin:/bin", **env},
    )
    return int(out.stdout.strip())


@pytest.mark.skipif(not GLIBC, reason="glibc's allocator switches")
def test_freed_memory_is_reused_without_faults_in_the_process_and_its_workers():
    switched = "from simulation.running.memory_pages import reuse_freed_memory\n"
    switched += "assert reuse_freed_memory()"
    root = str(Path(memory_pages.__file__).resolve().parents[2])
    # This process (mallopt), and a worker started with the environment it set.
    assert _refaults(switched, {"PYTHONPATH": root}) < PAGES // 100
    env: dict[str, str] = {}
    memory_pages.reuse_freed_memory(env, this_process=False)
    assert _refaults("", env) < PAGES // 100
    # Without the switches glibc maps the second array afresh (unless huge pages serve it).
    if "[always]" not in _thp_setting():
        assert _refaults("", {}) > PAGES // 2


def _thp_setting() -> str:
    try:
        return Path("/sys/kernel/mm/transparent_hugepage/enabled").read_text(encoding="ascii")
    except OSError:
        return ""
