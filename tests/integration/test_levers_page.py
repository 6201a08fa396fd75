"""docs/levers.md lists exactly the levers of simulation.docgen.levers (structure, not numbers)."""

from __future__ import annotations

import re
from pathlib import Path

from simulation.docgen import levers
from simulation.scenario.overrides import with_overrides
from simulation.scenario.schema import Scenario, iter_parameters, parameter_default

PAGE = Path(__file__).resolve().parents[2] / "docs" / "levers.md"


def test_page_lists_every_lever_with_its_channel_and_evidence():
    text = PAGE.read_text(encoding="utf-8")
    assert levers.documented_structure(text) == levers.expected_structure(), (
        f"docs/levers.md is out of date; run `{levers.COMMAND}`"
    )


def test_every_row_has_a_measured_effect_with_an_interval():
    body = PAGE.read_text(encoding="utf-8").split(levers.START)[1].split(levers.END)[0]
    rows = [line for line in body.splitlines() if line.startswith("| `")]
    assert len(rows) == len(levers.LEVERS)
    for row in rows:
        effect = row.strip("|").split("|")[1]
        assert re.fullmatch(r" [+-]\d+\.\d \([+-]\d+\.\d to [+-]\d+\.\d\) ", effect), row


def test_every_lever_is_a_real_change_of_a_schema_key():
    keys = {key for key, _ in iter_parameters()}
    base = with_overrides(Scenario(), levers.BASE)
    for lever in levers.LEVERS:
        for key, value in lever.change:
            assert key in keys, key
            changed = with_overrides(base, {key: value})
            assert changed != base, f"{key}={value} is the base design's own value"
            assert value != parameter_default(key) or key in levers.BASE
