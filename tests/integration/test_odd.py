"""docs/ODD.md documents every parameter: its table is the one generated from the schema."""

from __future__ import annotations

from pathlib import Path

from simulation.docgen.odd_table import COMMAND, documented_table, parameter_rows, parameter_table
from simulation.scenario.schema import Scenario, iter_parameters

ODD = Path(__file__).resolve().parents[2] / "docs" / "ODD.md"


def test_odd_parameter_table_is_up_to_date():
    documented = documented_table(ODD.read_text(encoding="utf-8"))
    generated = parameter_table()
    if documented != generated:
        missing = [
            row["key"] for row in parameter_rows() if f"| `{row['key']}` |" not in documented
        ]
        raise AssertionError(
            "docs/ODD.md's parameter table differs from the scenario schema"
            + (f" (undocumented: {', '.join(missing[:10])})" if missing else "")
            + f". Regenerate it with `{COMMAND}`."
        )


def test_table_has_one_row_per_parameter_with_unit_default_and_source():
    rows = parameter_rows()
    assert [r["key"] for r in rows] == [key for key, _ in iter_parameters()]
    for row in rows:
        assert row["unit"] and row["source"] and row["meaning"], row["key"]
    by_key = {r["key"]: r for r in rows}
    # defaults of nested sections come from a default Scenario, not the section class
    relapse = Scenario().relapse
    for substance in ("alcohol", "opioids"):
        expected = getattr(relapse, substance).escalation_probability
        got = by_key[f"relapse.{substance}.escalation_probability"]["default"]
        assert float(got) == expected
    assert by_key["mentoring.enabled"]["default"] == "false"
    assert "≤ 1" in by_key["network.homophily"]["allowed"]


def test_odd_has_the_protocol_sections():
    text = ODD.read_text(encoding="utf-8")
    for heading in ("## 1. Overview", "## 2. Design concepts", "## 3. Details", "Validation"):
        assert heading in text
    assert "synchronous" in text
