"""Population and program apart.

Every key classified, population files, counterfactuals, and `compare` refusing designs that
serve different populations.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import run_cli

from simulation.analysis.compare import CompareError, compare
from simulation.errors import ScenarioError
from simulation.scenario.files import load_scenario
from simulation.scenario.population_keys import (
    SECTION_KIND,
    counterfactual,
    differing_keys,
    key_kind,
    keys_of_kind,
)
from simulation.scenario.schema import Scenario, iter_parameters

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
TAU = str(SCENARIOS / "treatment_as_usual.yaml")
OPIOID = str(SCENARIOS / "opioid_withdrawal_support.yaml")
SMALL = ("--population", "150", "--days", "60", "--replicates", "3", "--workers", "1")


def test_every_schema_key_is_classified_and_sections_match_the_schema():
    assert set(SECTION_KIND) == set(Scenario.model_fields)
    kinds = {key: key_kind(key) for key, _ in iter_parameters()}
    assert set(kinds.values()) == {"about", "population", "program"}
    assert kinds["population.substance_mix.opioids"] == "population"
    assert kinds["stigma.enrolment_share_at_start"] == "population"
    assert kinds["stigma.campaign"] == "program"
    assert kinds["mentoring.caseload_cap"] == "program"
    assert kinds["costs.mentor_cost_per_day"] == "population"
    assert "setting.digital_preference.youth_mean" in keys_of_kind("population")


def test_usual_care_is_its_own_counterfactual():
    tau = load_scenario(TAU)
    assert set(differing_keys(counterfactual(tau), tau)) == {"name", "description"}


@pytest.mark.parametrize(
    ("design", "population"),
    [
        ("opioid_withdrawal_support", "opioid"),
        ("alcohol_social_reconstruction", "alcohol"),
        ("youth_digital_mentoring", "youth"),
        ("veteran_matched_mentoring", "veterans"),
        ("stigma_reduction_campaign", "high_stigma"),
    ],
)
def test_special_designs_serve_their_population_file(design, population):
    served = load_scenario(SCENARIOS / "populations" / f"{population}.yaml")
    scenario = load_scenario(design)
    assert differing_keys(served, scenario, "population") == {}
    assert differing_keys(load_scenario(TAU), scenario, "population")  # not the default mix
    # The counterfactual is the population file itself: usual care for these people.
    assert set(differing_keys(counterfactual(scenario), served)) == {"name", "description"}


def test_population_from_refuses_own_population_keys(tmp_path):
    path = tmp_path / "mixed.yaml"
    path.write_text(
        f"extends: {TAU}\npopulation_from: {SCENARIOS / 'populations' / 'opioid.yaml'}\n"
        "population:\n  veteran_share: 0.5\n"
    )
    with pytest.raises(ScenarioError, match=r"population\.veteran_share is a population key"):
        load_scenario(path)
    path.write_text("population_from: nowhere.yaml\n")
    with pytest.raises(ScenarioError, match=r"population_from.*missing file"):
        load_scenario(path)


def test_compare_refuses_different_populations_naming_keys_and_values(capsys):
    code, out, err = run_cli(capsys, "compare", TAU, OPIOID, *SMALL)
    assert code == 2 and out == ""
    assert "population.substance_mix.opioids is 0.25 in treatment_as_usual and 1.0" in err
    assert "--allow-different-populations" in err and "Traceback" not in err


def test_allowed_different_populations_are_flagged(capsys):
    code, out, _ = run_cli(
        capsys, "compare", TAU, OPIOID, *SMALL, "--allow-different-populations", "--json"
    )
    assert code == 0
    check = json.loads(out)["population_check"]
    assert check["confounded"] and not check["same_population"]
    assert check["differences"]["opioid_withdrawal_support"][
        "population.substance_mix.opioids"
    ] == [0.25, 1.0]


def test_report_and_terminal_warn_when_populations_differ(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    args = (TAU, OPIOID, *SMALL, "--allow-different-populations", "--out", str(tmp_path))
    code, out, _ = run_cli(capsys, "compare", *args, "--report")
    assert code == 0
    said = " ".join(out.split())  # the warning as one line, however the terminal wraps it
    assert (
        "Warning: the designs serve different populations (opioid_withdrawal_support differ "
        "from treatment_as_usual), so the differences below mix the program's effect with the "
        "population's." in said
    )
    html = (tmp_path / "report.html").read_text()
    warning = html.split("<p class='warn'>")[1].split("</p>")[0]
    assert warning.startswith("<strong>Not a like-for-like comparison.</strong>")
    assert "serve different populations (--allow-different-populations)" in warning
    assert "differ: Opioid withdrawal support: population.substance_mix.alcohol 0.45" in warning
    assert "population.substance_mix.opioids 0.25 vs 1.0" in warning
    # Designs serving one population: neither warns.
    code, out, _ = run_cli(
        capsys, "compare", TAU, "community_peer_mentoring", *SMALL, "--out", str(tmp_path),
        "--report",
    )  # fmt: skip
    html = (tmp_path / "report.html").read_text()
    assert code == 0 and "Warning" not in out and "class='warn'" not in html


def test_one_design_is_compared_with_its_counterfactual_and_averts_relapses(capsys):
    code, out, _ = run_cli(
        capsys, "compare", OPIOID, "--population", "300", "--replicates", "3", "--json"
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["baseline"] == "opioid_withdrawal_support without program"
    assert doc["population_check"]["same_population"]
    averted = doc["differences"]["opioid_withdrawal_support"]["relapses_averted_per_100"]
    assert averted["ci95"][0] > 0


def test_counterfactual_baseline_from_python_matches_the_usual_care_file():
    design = load_scenario("opioid_withdrawal_support", ["population.size=100", "days=30"])
    usual = load_scenario(
        SCENARIOS / "populations" / "opioid.yaml", ["population.size=100", "days=30"]
    )
    result = compare([design], replicates=2, seed=3, workers=1)
    matched = compare([usual, design], replicates=2, seed=3, workers=1)
    ours = result.document["scenarios"]["opioid_withdrawal_support without program"]
    theirs = matched.document["scenarios"]["treatment_as_usual_opioid"]
    assert ours["relapsed_per_100"] == theirs["relapsed_per_100"]  # same population, same seeds
    with pytest.raises(CompareError, match="different population"):
        compare([load_scenario(TAU, ["days=30"]), design], replicates=2, workers=1)
