"""docs/design-search.md's numbers come from the commands' output (simulation.docgen.design_search).

Hand-made documents of the three commands, rendered: every frontier design is a row (the best in
bold), intervals are the documents' own, the box is the first box's limits, and the sentence on
the best design's contact rate says inside or outside from the numbers. The page has every
section's markers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulation.docgen import design_search as page

ROOT = Path(__file__).resolve().parents[3]
LEVERS = {
    "mentoring.mentors_per_100_participants": 4.0,
    "mentoring.caseload_cap": 6,
    "mentoring.contacts_per_week": 0.8,
    "setting.kind": "digital",
    "training.hours": 12.0,
    "training.empathic_listening": True,
    "training.boundary_setting": False,
    "training.conflict_resolution": False,
    "supervision.review_interval_days": 14,
    "meetings.enabled": True,
    "mentoring.matching": "same_age_group",
    "stigma.campaign": False,
}


def design(trial, cost, mean, low, high, within=True, **changes):
    averted = {"mean": mean, "ci95": [low, high], "ci95_stochastic": [low - 1, high + 1]}
    return {
        "trial": trial,
        "overrides": LEVERS | changes,
        "cost_per_participant": cost,
        "relapses_averted_per_100": averted,
        "within_budget": within,
    }


CHEAP = design(1, 300.0, 1.5, 0.5, 2.5, **{"mentoring.mentors_per_100_participants": 2.0})
BEST = design(4, 900.0, 6.25, 4.0, 8.5)
OVER = design(2, 2500.0, 9.0, 7.0, 11.0, within=False, **{"setting.kind": "residential"})
SEARCH = {
    "scenario": "community_peer_mentoring",
    "budget_per_participant": 1000.0,
    "trials": 3,
    "seed": 1,
    "replicates": 3,
    "uncertainty": "parameters+stochastic",
    "baseline": {"relapsed_per_100": 50.5},
    "best": BEST,
    "pareto": [CHEAP, BEST],
    "all_designs": [CHEAP, OVER, BEST],
}
CHECK = {
    "baseline": "treatment_as_usual",
    "population": {"treatment_as_usual": 2000},
    "replicates": 10,
    "seed": 0,
    "uncertainty": "parameters+stochastic",
    "scenarios": {
        "treatment_as_usual": {"relapsed_per_100": {"mean": 58.0}},
        "community_peer_mentoring_best_1000": {
            "relapsed_per_100": {"mean": 44.0},
            "cost_per_participant": {"mean": 910.0},
        },
    },
    "differences": {
        "community_peer_mentoring_best_1000": {
            "relapses_averted_per_100": {
                "mean": 14.0,
                "ci95": [9.0, 19.0],
                "ci95_stochastic": [12.0, 16.0],
            }
        }
    },
    "probability_best": {
        "relapsed_per_100": {
            "designs": {"treatment_as_usual": 0.0, "community_peer_mentoring_best_1000": 1.0}
        }
    },
}


def discovery(low, high):
    box = {
        "limits": {"mentoring.contacts_per_week": {"min": low, "max": high}},
        "coverage": 0.8125,
        "density": 1.0,
        "mass": 0.65,
        "points": 26,
    }
    return {"points": 40, "cases_of_interest": 32, "boxes": [box]}


def test_the_frontier_table_has_every_frontier_design_and_the_best_in_bold():
    text = page.render_optimize(SEARCH, "# header\nextends: x.yaml\nname: best\n")
    rows = [line for line in text.splitlines() if line.startswith("| ") and "$" in line]
    assert rows == [
        "| digital, 2 mentors per 100, 0.8 contacts a week, meetings | $300 | 1.5 (0.5 to 2.5) |",
        "| **digital, 4 mentors per 100, 0.8 contacts a week, meetings** | **$900** "
        "| **6.2 (4.0 to 8.5)** |",
    ]
    assert "trial 4" in text and "caseloads of up to 6" in text and "by age group" in text
    assert "3.0 to 9.5 (`ci95_stochastic`)" in text
    assert "extends: x.yaml\nname: best" in text and "# header" not in text
    assert "1 of the 1 tried above $1,000 averted more" in text and "9.0 per 100 at $2,500" in text


def test_the_check_and_the_box_are_the_documents_numbers():
    check = page.render_check(CHECK)
    assert (
        "| community_peer_mentoring_best_1000 | $910 | 14.0 (9.0 to 19.0) | 14.0 (12.0 to 16.0) |"
        in (check)
    )
    assert "58.0 per 100" in check and "community_peer_mentoring_best_1000 100%" in check
    box = page.render_box(discovery(0.10689, 1.13168))
    body = json.loads(box.removeprefix("```json\n").removesuffix("\n```").replace(", ...", ""))
    assert body["boxes"][0]["limits"] == {
        "mentoring.contacts_per_week": {"min": 0.107, "max": 1.13}
    }
    assert body["boxes"][0]["coverage"] == 0.812 and body["boxes"][0]["points"] == 26


@pytest.mark.parametrize(("low", "high", "where"), [(0.1, 1.1, "inside"), (0.1, 0.5, "outside")])
def test_the_best_designs_contact_rate_is_placed_against_box_one(low, high, where):
    text = page.render_discover(discovery(low, high), SEARCH, CHECK)
    assert "32 of the 40 designs" in text and "coverage 0.81, density 1.00" in text
    assert f"plans 0.8 contacts a week, {where} box 1's range" in text
    assert "its own 12-month relapse was 44.0 per 100" in text
    assert "community setting, caseloads of up to 5" in text  # the bundled scenario's values


def test_run_refuses_a_results_folder_that_holds_outputs(tmp_path):
    (tmp_path / "best_2000").mkdir()
    with pytest.raises(SystemExit, match="best_2000"):
        page.run_commands(tmp_path)


def test_the_page_has_every_generated_section():
    text = (ROOT / "docs" / "design-search.md").read_text(encoding="utf-8")
    for name in ("optimize", "check", "box", "discover", "timings"):
        section = page.section(name)
        assert section.documented(text), name  # present and filled in
