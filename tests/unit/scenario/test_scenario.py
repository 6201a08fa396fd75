"""Scenario schema and files: defaults, extends, overrides, errors (simulation.schema/scenario)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulation.errors import ScenarioError
from simulation.scenario.files import (
    bundled_scenarios,
    load_scenario,
    scenario_from_dict,
    scenario_yaml,
)
from simulation.scenario.overrides import with_overrides
from simulation.scenario.schema import Scenario, iter_parameters

ROOT = Path(__file__).resolve().parents[3]


def test_bundled_scenarios_validate_and_open_with_a_comment():
    files = bundled_scenarios()
    names = {f.name for f in files}
    assert {"treatment_as_usual.yaml", "community_peer_mentoring.yaml"} <= names
    for file in files:
        assert file.read_text().startswith("#"), file
        load_scenario(file)


def test_treatment_as_usual_has_no_mentoring_and_community_extends_it():
    tau = load_scenario(ROOT / "scenarios/treatment_as_usual.yaml")
    cpm = load_scenario(ROOT / "scenarios/community_peer_mentoring.yaml")
    assert tau.name == "treatment_as_usual"
    assert not tau.mentoring.enabled
    assert cpm.mentoring.enabled
    assert cpm.population.size == tau.population.size  # inherited
    assert cpm.name == "community_peer_mentoring"


def test_every_parameter_has_unit_source_and_description():
    keys = []
    for key, info in iter_parameters():
        extra = info.json_schema_extra or {}
        assert extra.get("unit"), key
        assert extra.get("source"), key
        assert info.description, key
        keys.append(key)
    assert len(keys) == len(set(keys))
    assert "relapse.alcohol.hazard_halving_days" in keys
    assert "mentoring.caseload_cap" in keys


def test_with_overrides_dotted_double_underscore_and_section_dict():
    s = with_overrides(
        Scenario(),
        {
            "mentoring.caseload_cap": 3,
            "relapse__opioids__escalation_probability": 0.5,
            "population": {"size": 77},
        },
    )
    assert s.mentoring.caseload_cap == 3
    assert s.relapse.opioids.escalation_probability == 0.5
    assert s.population.size == 77
    assert s.population.veteran_share == Scenario().population.veteran_share
    with pytest.raises(ScenarioError, match=r"mentoring\.no_such_key"):
        with_overrides(Scenario(), {"mentoring.no_such_key": 1})


def test_extends_relative_path_and_child_wins(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "base.yaml").write_text("name: base\ndays: 100\nmentoring: {caseload_cap: 7}\n")
    (tmp_path / "sub" / "child.yaml").write_text(
        "extends: ../base.yaml\nmentoring: {enabled: true}\n"
    )
    s = load_scenario(tmp_path / "sub" / "child.yaml", ["days=50"])
    assert s.days == 50
    assert s.mentoring.caseload_cap == 7 and s.mentoring.enabled
    assert s.name == "child"  # names are not inherited


def test_extends_absolute_path(tmp_path):
    base = tmp_path / "base.yaml"
    base.write_text("days: 42\n")
    (tmp_path / "c.yaml").write_text(f"extends: {base}\n")
    assert load_scenario(tmp_path / "c.yaml").days == 42


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ("mentoring: {caseload_cpa: 3}\n", "mentoring.caseload_cpa", "caseload_cap"),
        ("days: many\n", "days", "whole number"),
        ("relapse: {alcohol: {escalation_probability: 1.5}}\n", "escalation_probability", "<= 1"),
        ("population: {size: -5}\n", "population.size", ">= 1"),
        ("network: {kind: grid}\n", "network.kind", "community_blocks"),
    ],
)
def test_bad_values_raise_scenario_error_naming_key_and_allowed(tmp_path, text, key, fragment):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert str(path) in message
    assert key in message
    assert fragment in message


def test_override_on_unknown_key_lists_valid_keys():
    with pytest.raises(ScenarioError) as info:
        load_scenario(ROOT / "scenarios/treatment_as_usual.yaml", ["mentoring.cap=3"])
    assert "mentoring.cap" in str(info.value)
    assert "caseload_cap" in str(info.value)


def test_scenario_from_dict_and_yaml_round_trip(tmp_path):
    s = scenario_from_dict({"name": "x", "days": 12}, ["population.size=30"])
    assert (s.days, s.population.size) == (12, 30)
    path = tmp_path / "round.yaml"
    path.write_text(scenario_yaml(s))
    assert load_scenario(path) == s


def test_a_partial_substance_section_keeps_that_substances_other_defaults(tmp_path):
    # Opioids' defaults live on the parent section; a file that sets one opioid value must not
    # silently give opioids the generic (alcohol) hazard curve for the rest.
    path = tmp_path / "s.yaml"
    path.write_text("relapse:\n  opioids:\n    escalation_probability: 0.8\n")
    opioids = load_scenario(path).relapse.opioids
    default = Scenario().relapse.opioids
    assert opioids.escalation_probability == 0.8
    assert opioids.hazard_halving_days == default.hazard_halving_days
    assert opioids.initial_lapse_rate_per_day == default.initial_lapse_rate_per_day
    assert scenario_from_dict({}, ["relapse.cannabis.hazard_shape=2"]).relapse.cannabis == (
        default_cannabis := Scenario().relapse.cannabis
    ).model_copy(update={"hazard_shape": 2.0})
    assert default_cannabis.hazard_halving_days != Scenario().relapse.alcohol.hazard_halving_days
