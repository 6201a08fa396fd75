"""The efficiency frontier in the report and the terminal, and the sentences' health clause.

A cost per QALY of a design off the frontier is never shown without saying it is dominated.
"""

from __future__ import annotations

import re

import pytest
from posterior_factory import posterior

import simulation as rs
from simulation.analysis.health_economics import efficiency_frontier
from simulation.commands.compare import print_comparison
from simulation.report.frontier import dominance_notes, frontier_rows
from simulation.report.labels import label
from simulation.report.text import design_sentence

DESIGNS = [
    "treatment_as_usual",
    "community_peer_mentoring",
    "residential_peer_mentoring",
    "digital_peer_platform",
    "hybrid_peer_mentoring",
]


def test_frontier_rows_and_notes_read_the_textbook_example():
    # The HERC example of tests/unit/analysis/test_health_economics.py: A is dominated by B,
    # C extendedly dominated (between B and D on the frontier), frontier UC-B-D-E.
    rows = efficiency_frontier(
        ["E", "D", "C", "B", "A", "UC"],
        [55000, 35000, 25000, 10000, 12000, 5000],
        [5, 4, 3, 2, 1.5, 1],
    )
    document = {"health_economics": {"frontier": rows}}
    assert frontier_rows(document) == [
        ["UC", "on the frontier", "-", "-", "reference (cheapest)"],
        ["B", "on the frontier", "$5,000", "1.00", "$5,000"],
        ["D", "on the frontier", "$25,000", "2.00", "$12,500"],
        ["E", "on the frontier", "$20,000", "1.00", "$20,000"],
        ["C", "extendedly dominated", "-", "-", "none"],
        ["A", "dominated", "-", "-", "none"],
    ]
    notes = dominance_notes(document, {"C": "Design C"})
    assert notes[0].startswith("Design C is extendedly dominated: a mix of B and D ")
    assert notes[1] == "A is dominated: B costs no more and gains at least as many QALYs."
    assert frontier_rows({}) == [] and dominance_notes({}) == []


@pytest.fixture(scope="module")
def result():
    # Seeded: hybrid mentoring is on the frontier with usual care, the digital platform is
    # extendedly dominated, community and residential mentoring dominated.
    return rs.compare_scenarios(
        DESIGNS,
        replicates=2,
        seed=3,  # a seed on which all three statuses occur (checked by the first assertion)
        overrides={"population.size": 120, "days": 30},
        posterior=posterior(),
    )


def _statuses(result) -> dict[str, str]:
    frontier = result.comparison.document["health_economics"]["frontier"]
    return {row["strategy"]: row["status"] for row in frontier}


def test_report_has_the_frontier_and_says_which_icers_are_dominated(result, tmp_path):
    statuses = _statuses(result)
    assert set(statuses.values()) == {"ND", "ED", "D"}  # the fixture shows all three
    html = rs.report(result, tmp_path).read_text()
    section = html.split("<h2>Cost-effectiveness frontier</h2>")[1].split("<h2>")[0]
    rows = [re.findall(r"<td>([^<]*)</td>", r) for r in re.findall(r"<tr>(<td>.*?)</tr>", section)]
    words = {"ND": "on the frontier", "ED": "extendedly dominated", "D": "dominated"}
    assert {r[0]: r[1] for r in rows} == {label(n): words[s] for n, s in statuses.items()}
    assert "Digital peer platform is extendedly dominated: a mix of" in section
    icers = re.search(r"<tr><td>cost per QALY gained</td>(.*?)</tr>", html).group(1)
    cells = dict(zip(DESIGNS[1:], re.findall(r"<td>([^<]*)</td>", icers), strict=True))
    for name, cell in cells.items():
        said = statuses[name] != "ND"
        assert ("(but " in cell) == said and cell.startswith("$"), (name, cell)
    doc = result.comparison.document
    gained = doc["differences"]["hybrid_peer_mentoring"]["qalys"]["mean"]
    sentence = design_sentence("hybrid_peer_mentoring", doc)
    assert f"it gained {gained:.2f} QALYs (95% of plausible worlds: " in sentence
    assert "deaths per 120 people" in sentence and "a net monetary benefit of " in sentence
    assert sentence in html


def test_terminal_shows_the_frontier_in_80_columns(result, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    print_comparison(result.comparison.document, (), None, False)
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80 and "…" not in out
    table = out.split("cost-effectiveness frontier")[1]
    letters = dict(zip(DESIGNS, "ABCDE", strict=True))
    statuses = _statuses(result)
    for name, status in statuses.items():
        row = next(line for line in table.splitlines() if line.startswith(f"│ {letters[name]} "))
        assert ("on the frontier" in row) == (status == "ND"), row
    assert "D is extendedly dominated: a mix of A and E" in " ".join(table.split())
    assert "B is dominated: E costs no more and gains at least as many QALYs." in table
    for name in DESIGNS[1:]:
        part = out.split(f"{name} minus treatment_as_usual")[1].split(" minus ")[0]
        qualified = "cost per QALY gained (but" in part
        assert qualified == (statuses[name] != "ND"), name
