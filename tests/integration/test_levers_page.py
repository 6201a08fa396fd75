"""docs/levers.md lists exactly the levers of simulation.docgen.levers and is not stale."""

from __future__ import annotations

import re
from pathlib import Path

from simulation.docgen import levers
from simulation.scenario.overrides import with_overrides
from simulation.scenario.schema import Scenario, iter_parameters, value_at

PAGE = Path(__file__).resolve().parents[2] / "docs" / "levers.md"
POINTS = r"[+-]\d+\.\d \([+-]\d+\.\d to [+-]\d+\.\d\)"


def _block() -> str:
    return PAGE.read_text(encoding="utf-8").split(levers.START)[1].split(levers.END)[0]


def test_page_lists_every_lever_with_its_channel_and_evidence():
    text = PAGE.read_text(encoding="utf-8")
    assert levers.documented_structure(text) == levers.expected_structure(), (
        f"docs/levers.md is out of date; run `{levers.COMMAND}`"
    )


def test_every_row_has_a_measured_effect_with_an_interval():
    rows = [line for line in _block().splitlines() if line.startswith("| `")]
    assert len(rows) == len(levers.LEVERS)
    for row in rows:
        effect = row.strip("|").split("|")[1]
        assert re.fullmatch(f" {POINTS} ", effect), row


def test_the_opening_paragraph_is_generated_with_the_table():
    # Its three comparisons with usual care are in the generated block, not hand-written text.
    paragraph = _block().strip().split("\n\n")[0]
    assert len(re.findall(POINTS, paragraph)) == 3, paragraph
    assert re.search(r"\(\d+% of the program's effect\)", paragraph), paragraph
    outside = PAGE.read_text(encoding="utf-8").replace(_block(), "")
    assert not re.search(POINTS, outside), "a measured figure outside the generated block"


def test_the_page_was_made_from_the_current_defaults_levers_and_mechanisms():
    # The fingerprint covers every schema default, the lever list and a seeded probe run of each
    # design: a change to any of them, or to a mechanism that moves a number, makes it differ.
    recorded = levers.documented_fingerprint(PAGE.read_text(encoding="utf-8"))
    assert recorded == levers.fingerprint(), (
        f"docs/levers.md is stale (made from other defaults, levers or model); run "
        f"`{levers.COMMAND}`"
    )


def test_every_lever_is_a_real_change_of_a_schema_key():
    keys = {key for key, _ in iter_parameters()}
    for lever in levers.LEVERS:
        reference = with_overrides(Scenario(), {**levers.BASE, **dict(lever.context)})
        for key, _ in (*lever.context, *lever.change):
            assert key in keys, key
        for key, value in lever.change:
            changed = with_overrides(reference, {key: value})
            assert changed != reference, f"{key}={value} is the reference design's own value"
            assert value_at(changed, key) == value
