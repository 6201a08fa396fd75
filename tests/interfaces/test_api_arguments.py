"""Bad arguments to the public Python API raise the project's ScenarioError naming them (issue 11).

Before, `RecoveryCommunityModel(seed=-1)` failed inside NumPy, `run_scenario(5)` inside pathlib
and `replicates=0` only when `.summary` was read (an IndexError).
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import simulation as rs
from simulation.model.model import RecoveryCommunityModel

SMALL = {"population.size": 60, "days": 10}
TAU = "treatment_as_usual"
PAIR = [TAU, "community_peer_mentoring"]


def message_of(call) -> str:
    with pytest.raises(rs.ScenarioError) as caught:
        call()
    text = str(caught.value)
    assert "\n" not in text and len(text) < 600
    return text


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: RecoveryCommunityModel(seed=-1), "RecoveryCommunityModel(): seed = -1"),
        (lambda: RecoveryCommunityModel(seed="abc"), "RecoveryCommunityModel(): seed = 'abc'"),
        (lambda: RecoveryCommunityModel(seed=1.5), "seed = 1.5 is not allowed"),
        (lambda: RecoveryCommunityModel(seed=True), "seed = True is not allowed"),
        (lambda: RecoveryCommunityModel(seed=2**64), "from 0 to 2**63 - 1"),
        (
            lambda: RecoveryCommunityModel("community_peer_mentoring"),
            "scenario = 'community_peer_mentoring' is a str, not a Scenario; allowed: a "
            "Scenario, e.g. load_scenario(path or bundled name)",
        ),
        (lambda: RecoveryCommunityModel({"days": 3}), "is a dict, not a Scenario"),
        (
            lambda: RecoveryCommunityModel(days=0),
            "RecoveryCommunityModel(): days = 0 is not allowed",
        ),
    ],
    ids=[
        "seed-negative",
        "seed-text",
        "seed-float",
        "seed-bool",
        "seed-huge",
        "name",
        "dict",
        "kw",
    ],
)
def test_model_arguments(call, expected):
    assert expected in message_of(call)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"scenario": 5}, "run_scenario(): scenario = 5 is of type int, not a scenario"),
        ({"scenario": None}, "run_scenario(): scenario is of type NoneType, not a scenario"),
        ({"replicates": 0}, "run_scenario(): replicates = 0 is not allowed; allowed: a whole"),
        ({"replicates": 2.0}, "replicates = 2.0"),
        ({"replicates": 10**6}, "<= 100,000"),
        ({"seed": -1}, "run_scenario(): seed = -1"),
        ({"seed": "1"}, "seed = '1'"),
        ({"overrides": 5}, "run_scenario(): overrides = 5 is not allowed; allowed: None, a dict"),
        ({"overrides": "days=5"}, "overrides = 'days=5'"),
        ({"overrides": [5]}, "overrides = 5 holds an item that is not text"),
        ({"overrides": {1: 2}}, "run_scenario(): overrides key 1 is an int, not text"),
        ({"overrides": {"mentoring": {True: 2}}}, "overrides key True is a bool, not text"),
        ({"overrides": {"extends": "x.yaml"}}, "extends = 'x.yaml' cannot be overridden"),
        ({"overrides": {"days": "abc"}}, "overrides: days = 'abc' is not allowed"),
        ({"workers": -1}, "run_scenario(): workers = -1 is not allowed; allowed: None (every"),
        ({"workers": 0}, "workers = 0"),
        ({"on_done": 3}, "on_done = 3"),
    ],
)
def test_run_scenario_arguments(kwargs, expected):
    arguments = {"scenario": TAU, "overrides": SMALL} | kwargs
    assert expected in message_of(lambda: rs.run_scenario(**arguments))


def test_a_scenario_file_that_is_fine_but_an_override_that_is_not_names_overrides(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("days: 20\n", encoding="utf-8")
    text = message_of(lambda: rs.run_scenario(path, overrides={"mentoring.caseload_cap": "x"}))
    assert text.startswith("overrides: mentoring.caseload_cap = 'x' is not allowed")


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"scenarios": TAU}, "compare_scenarios(): scenarios = 'treatment_as_usual'"),
        ({"scenarios": 7}, "scenarios = 7"),
        ({"scenarios": [TAU, 3]}, "compare_scenarios(): scenarios[1] = 3 is of type int"),
        ({"replicates": 1}, "replicates = 1 is not allowed; allowed: a whole number >= 2"),
        ({"seed": -5}, "compare_scenarios(): seed = -5"),
        ({"workers": -2}, "workers = -2"),
        ({"crn": "yes"}, "crn = 'yes' is not allowed; allowed: True or False"),
        ({"baseline": 3}, "baseline = 3"),
        ({"overrides": 1.5}, "overrides = 1.5"),
    ],
)
def test_compare_scenarios_arguments(kwargs, expected):
    arguments = {"scenarios": PAIR, "replicates": 2, "overrides": SMALL} | kwargs
    assert expected in message_of(lambda: rs.compare_scenarios(**arguments))


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: rs.evaluate(seed=-3), "evaluate(): seed = -3"),
        (lambda: rs.evaluate(replicates=0), "evaluate(): replicates = 0"),
        (lambda: rs.evaluate(scenario=4), "evaluate(): scenario = 4 is of type int"),
        (lambda: rs.load_scenario(5), "load_scenario(): path = 5 is not allowed"),
        (lambda: rs.load_scenario(TAU, overrides=3), "load_scenario(): overrides = 3"),
        (lambda: rs.load_scenario("no_such_scenario"), "no_such_scenario: does not exist"),
        (lambda: rs.scenario_from_dict(5), "scenario_from_dict(): data = 5 is not allowed"),
        (lambda: rs.scenario_from_dict({1: 2}), "scenario_from_dict(): data key 1 is an int"),
        (lambda: rs.scenario_from_dict({"extends": "a.yaml"}), "works only in scenario files"),
        (
            lambda: rs.scenario_from_dict(functools.reduce(lambda a, _: {"a": a}, range(3000), {})),
            "data nests deeper than 50 levels",
        ),
        (lambda: rs.load_results(5), "load_results(): folder = 5 is not allowed"),
        (lambda: rs.load_results(".", daily="no"), "daily = 'no'"),
        (lambda: rs.run_experiment(5), "run_experiment(): experiment = 5"),
        (
            lambda: rs.run_experiment("experiments/caseload_training.yaml", workers=-1),
            "run_experiment(): workers = -1 is not allowed; allowed: None or a whole number >= 0",
        ),
        (lambda: rs.run_experiment("e.yaml", limit=0), "limit = 0"),
        (lambda: rs.run_experiment("e.yaml", batch_size="2"), "batch_size = '2'"),
        (lambda: rs.run_experiment("e.yaml", resume=1), "resume = 1"),
        (lambda: rs.run_experiment("e.yaml", dask_local=0), "dask_local = 0"),
        (lambda: rs.run_experiment("e.yaml", dask_scheduler=5), "dask_scheduler = 5"),
        (lambda: rs.run_experiment("e.yaml", out=3), "out = 3"),
        (lambda: rs.run_experiment("e.yaml", on_progress="x"), "on_progress = 'x'"),
    ],
)
def test_other_public_functions(call, expected):
    assert expected in message_of(call)


def test_run_experiment_checks_arguments_before_touching_the_folder(tmp_path):
    out = tmp_path / "results"
    message_of(lambda: rs.run_experiment("experiments/caseload_training.yaml", out=out, limit=0))
    assert not out.exists()


def test_errors_quote_at_most_two_hundred_characters_of_a_value():
    text = message_of(lambda: rs.run_scenario(TAU, seed="9" * 10_000))
    assert text.count("9") <= 200
    text = message_of(lambda: rs.run_scenario(TAU, overrides={"description": list(range(10**6))}))
    assert len(text) < 400


def test_numpy_integers_are_whole_numbers_and_give_the_same_numbers():
    plain = rs.run_scenario(TAU, replicates=2, seed=3, overrides=SMALL)
    numpy = rs.run_scenario(TAU, replicates=np.int64(2), seed=np.uint32(3), overrides=SMALL)
    assert numpy.seeds == plain.seeds
    assert numpy.metrics.equals(plain.metrics)
    model = RecoveryCommunityModel(rs.scenario_from_dict({"days": 5}), seed=np.int64(11))
    assert model.seed == 11 and type(model.seed) is int


def test_load_scenario_accepts_a_bundled_name():
    by_name = rs.load_scenario("community_peer_mentoring", ["days=40"])
    by_path = rs.load_scenario("scenarios/community_peer_mentoring.yaml", ["days=40"])
    assert by_name == by_path and by_name.days == 40 and by_name.mentoring.enabled


def test_lists_and_generators_of_overrides_still_work():
    scenario = rs.load_scenario(TAU, (f"{key}={value}" for key, value in SMALL.items()))
    assert (scenario.population.size, scenario.days) == (60, 10)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"days": -1}, "Scenario(): days = -1 is not allowed"),
        ({"population": {"size": 0}}, "Scenario(): population.size = 0 is not allowed"),
        ({"mentoring": {"caseload": 1}}, "Scenario(): mentoring.caseload is not a scenario key"),
    ],
)
def test_scenario_keyword_arguments_raise_scenario_error(kwargs, expected):
    assert expected in message_of(lambda: rs.Scenario(**kwargs))


def test_scenarios_still_validate_assignments_and_pickle():
    import pickle

    scenario = rs.Scenario(days=12, mentoring={"enabled": True})
    assert pickle.loads(pickle.dumps(scenario)) == scenario
    with pytest.raises(ValueError, match="days"):
        scenario.days = 0


def test_a_key_with_a_newline_is_written_as_an_escape():
    text = message_of(lambda: rs.scenario_from_dict({}, {"days\nrm -rf": 1}))
    assert "days\\nrm -rf is not a scenario key" in text


_KEYS = [key for key, _ in rs.Scenario.model_fields.items()] + [
    "mentoring.caseload_cap",
    "relapse.opioids",
    "population.size",
    "mentoring__enabled",
    "",
]
_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text(max_size=10)
    | st.binary(max_size=4)
)
_VALUES = st.recursive(
    _LEAVES,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=8) | st.sampled_from(_KEYS), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(overrides=st.dictionaries(st.sampled_from(_KEYS) | st.text(max_size=6), _VALUES, max_size=4))
def test_any_overrides_give_a_scenario_or_one_scenario_error(overrides):
    for call in (
        lambda: rs.scenario_from_dict({}, overrides),
        lambda: rs.Scenario(**overrides),
    ):
        try:
            call()
        except rs.ScenarioError as exc:
            assert "\n" not in str(exc) and len(str(exc)) < 1500
