"""The layout issue's checks: a few top-level modules, short files, nothing outside the repo."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "simulation"
#: One concept per file: longer files are split (issue 10).
MAX_LINES = 400
#: Plain modules at the top of the package (api, cli, errors, interop, optional, results).
MAX_TOP_LEVEL_MODULES = 6


def test_few_plain_modules_stay_at_the_top_of_the_package():
    top = [p.name for p in PACKAGE.glob("*.py") if not p.name.startswith("__")]
    assert len(top) <= MAX_TOP_LEVEL_MODULES, sorted(top)


def test_no_source_file_is_longer_than_400_lines():
    files = [*PACKAGE.rglob("*.py"), *(ROOT / "benchmarks").glob("*.py")]
    long = {
        str(p.relative_to(ROOT)): n
        for p in files
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, long


def test_nothing_refers_to_files_outside_the_repository():
    outside = re.compile(r"\.\./shared|/work/|TOOLCHAIN\.md")
    texts = [*PACKAGE.rglob("*.py"), *(ROOT / "docs").rglob("*.md"), *ROOT.glob("*.md")]
    texts += [*(ROOT / "tests").rglob("*.py"), ROOT / "Makefile", ROOT / "pyproject.toml"]
    hits = [
        str(p.relative_to(ROOT))
        for p in texts
        if p != Path(__file__).resolve() and outside.search(p.read_text(encoding="utf-8"))
    ]
    assert not hits, hits
