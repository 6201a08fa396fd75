"""The planners' report: sentences that say only what the intervals support, and the files."""

from __future__ import annotations

import base64
import re

import pytest
from posterior_factory import posterior

from simulation.analysis.compare import analyse, compare
from simulation.report import write_report
from simulation.report.text import count, design_sentence, money, period
from simulation.scenario.files import BUNDLED_SCENARIOS, load_scenario

PNG = b"\x89PNG\r\n\x1a\n"


def document(averted: dict, costed: bool = False, icer: dict | None = None) -> dict:
    empty = {"mean": None, "ci95": None}
    return {
        "days": 365,
        "differences": {"peer_mentoring": {"relapses_averted_per_100": averted}},
        "cost_effectiveness": {
            "peer_mentoring": {
                "costed": costed,
                "incremental_cost_per_participant": {"mean": 400.0, "ci95": [350.0, 450.0]},
                "cost_per_relapse_averted": icer or empty,
                "note": "",
            }
        },
    }


def test_numbers_read_as_a_planner_would_write_them():
    assert period(365) == "12 months" and period(730) == "24 months" and period(45) == "45 days"
    assert count(9.2, [6.1, 12.4]) == "9" and count(1.24, [0.9, 1.6]) == "1.2"
    assert money(4137) == "$4,100" and money(98_765) == "$99,000" and money(-812) == "-$810"


def test_sentence_claims_prevention_only_when_the_interval_is_above_zero():
    prevented = design_sentence("peer_mentoring", document({"mean": 9.2, "ci95": [6.1, 12.4]}))
    assert prevented == (
        "Peer mentoring prevented 9 relapses per 100 participants (95% CI 6 to 12) over "
        "12 months; costs are not modelled in these runs."
    )
    unclear = design_sentence("peer_mentoring", document({"mean": 1.5, "ci95": [-2.0, 5.0]}))
    assert "made no clear difference" in unclear and "(95% CI -2 to 5)" in unclear
    harmful = design_sentence("peer_mentoring", document({"mean": -4.0, "ci95": [-7.0, -1.0]}))
    assert "led to 4 more relapses per 100 participants (95% CI 1 to 7)" in harmful


def test_sentence_gives_cost_per_relapse_averted_when_costed():
    doc = document(
        {"mean": 9.2, "ci95": [6.1, 12.4]},
        costed=True,
        icer={"mean": 4137.0, "ci95": [3050.0, 6420.0]},
    )
    assert design_sentence("peer_mentoring", doc).endswith(
        "over 12 months, at $4,100 per relapse averted (95% CI $3,000 to $6,400)."
    )


@pytest.fixture(scope="module")
def comparison():
    files = [
        BUNDLED_SCENARIOS / f"{n}.yaml" for n in ("treatment_as_usual", "community_peer_mentoring")
    ]
    scenarios = [load_scenario(f, ["population.size=150", "days=60"]) for f in files]
    return compare(
        scenarios,
        replicates=3,
        seed=5,
        workers=1,
        files=[str(f) for f in files],
        posterior=posterior(),
    )


def test_report_is_self_contained_and_records_how_to_reproduce_it(comparison, tmp_path):
    html_path = write_report(comparison, tmp_path, command="recovery-sim compare ...")
    html = html_path.read_text()
    assert html_path == tmp_path / "report.html"
    images = re.findall(r"src='data:image/png;base64,([^']+)'", html)
    assert len(images) == len(list((tmp_path / "figures").glob("*.png"))) >= 3
    assert all(base64.b64decode(i).startswith(PNG) for i in images)
    assert "src='http" not in html and "<link" not in html  # nothing fetched when opened
    sentence = design_sentence("community_peer_mentoring", comparison.document)
    assert sentence.startswith("Community peer mentoring ") and sentence in html
    for seed in comparison.seeds["treatment_as_usual"]:
        assert str(seed) in html
    assert "scipy" in html and "mesa" in html and "recovery-sim compare ..." in html
    assert "size: 150" in html  # the scenario as resolved after --set
    # Parameter uncertainty, said in words: the draws, the best-design shares, the drivers.
    draws = comparison.document["parameter_draws"]["replicate_draws"]
    assert f"<td>{', '.join(map(str, draws))}</td>" in html
    assert "How sure is the model?" in html and "plausible worlds" in sentence
    assert "Which uncertainties matter" not in html  # 3 replicates: too few to rank parameters
    assert "hazard ratio, time to first relapse" in html and "log-rank" not in html
    # No costs in the runs: no plane, and the page says so rather than inventing one.
    if not comparison.document["cost_effectiveness"]["community_peer_mentoring"]["costed"]:
        assert not (tmp_path / "figures" / "cost_effectiveness.png").exists()
        assert "does not invent them" in html
    assert not list(tmp_path.rglob("*.tmp"))


def test_cost_effectiveness_plane_appears_with_costs(comparison, tmp_path):
    for name, runs in comparison.results.items():
        for i, run in enumerate(runs):
            run.metrics["cost_total"] = 0.0 if name == "treatment_as_usual" else 60_000.0 + i
    doc = analyse(comparison.scenarios, comparison.results, comparison.baseline, 5, True)
    assert doc["uncertainty"] == "stochastic"  # analyse alone: as the runs were run
    comparison.document.update(doc)
    write_report(comparison, tmp_path)
    assert (tmp_path / "figures" / "cost_effectiveness.png").read_bytes().startswith(PNG)
    extra = doc["cost_effectiveness"]["community_peer_mentoring"]
    assert extra["incremental_cost_per_participant"]["mean"] == pytest.approx(400.0 + 1 / 150)


def test_sentence_says_how_sure_the_model_is_across_plausible_worlds():
    doc = document(
        {"mean": 8.6, "ci95": [4.2, 13.1]},
        costed=True,
        icer={"mean": 4137.0, "ci95": [3050.0, 6420.0]},
    )
    doc |= {"uncertainty": "parameters+stochastic", "replicates": 20}
    shares = {"tau": 0.0, "peer_mentoring": 0.62, "digital": 0.38, "residential": 0.0}
    doc["probability_best"] = {"relapsed_per_100": {"better": "lower", "designs": shares}}
    assert design_sentence("peer_mentoring", doc) == (
        "Peer mentoring prevented 9 relapses per 100 participants (95% of plausible worlds: "
        "4 to 13) over 12 months, at $4,100 per relapse averted (95% of plausible worlds: "
        "$3,000 to $6,400); it had the fewest relapses of the four designs in 62% of the 20 "
        "plausible worlds."
    )
    shares |= {"peer_mentoring": 0.0, "digital": 1.0}
    assert design_sentence("peer_mentoring", doc).endswith(
        "in none of the 20 plausible worlds did it have the fewest relapses of the four designs."
    )
