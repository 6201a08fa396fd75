"""`optimize`: the best design for a budget (Optuna), against the program-free population.

Small searches (a few trials of 150 participants for 45 days) that still check real
properties: the frontier is non-dominated, the best is within budget and the best of those,
each design's effect is the paired difference `compare` reports on the same seeds and the same
posterior draws (or the fitted parameters), a stopped search continues from its stored trials
(and refuses other settings), and the best design's scenario file loads back.
"""

from __future__ import annotations

import doctest
import importlib
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
import sqlalchemy
import yaml
from cli_helpers import run_cli

import simulation as rs
from simulation.calibration.posterior import load_posterior
from simulation.design.evaluation import program_free
from simulation.design.levers import load_levers
from simulation.design.optimize import DesignError, optimize_design, stored_trials
from simulation.errors import RecoverySimError, ScenarioError
from simulation.scenario.files import load_scenario

LEVERS = """\
levers:
  mentoring.mentors_per_100_participants: {range: [2, 30]}
  mentoring.contacts_per_week: {range: [0.25, 3], scale: log}
  setting.kind: [community, digital]
  training.hours: {}
"""
COMMUNITY = next(p for p in rs.bundled_scenarios() if p.stem == "community_peer_mentoring")
BASE = load_scenario(COMMUNITY)
SMALL = {"population": 150, "days": 45, "replicates": 2, "seed": 3}
BUDGET = 1500.0
COST, AVERTED = "cost_per_participant", "relapses_averted_per_100"


@pytest.fixture(scope="module")
def levers_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("levers") / "levers.yaml"
    path.write_text(LEVERS, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def search(levers_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("search")
    return optimize_design(
        "community_peer_mentoring", BUDGET, levers=levers_file, trials=8, out=out, **SMALL
    )


def dominates(a, b):
    """A is at least as good on both objectives and better on one (more averted, less cost)."""
    ea, eb = a[AVERTED]["mean"], b[AVERTED]["mean"]
    ca, cb = a[COST], b[COST]
    return ea >= eb and ca <= cb and (ea > eb or ca < cb)


def test_the_frontier_is_non_dominated_and_rises_with_cost(search):
    front, within = search.pareto, [d for d in search.document["all_designs"] if d["within_budget"]]
    assert front and all(row["within_budget"] for row in front)
    for a in front:
        assert not any(dominates(b, a) for b in within)
    numbers = {row["trial"] for row in front}
    for design in within:  # every design left off the frontier is dominated by one on it
        if design["trial"] not in numbers:
            assert any(dominates(row, design) for row in front)
    costs = [row[COST] for row in front]
    effects = [row[AVERTED]["mean"] for row in front]
    assert costs == sorted(costs)
    assert all(later > earlier for earlier, later in itertools.pairwise(effects))


def test_the_best_is_the_most_effective_design_within_budget(search):
    best, designs = search.best, search.document["all_designs"]
    assert best["within_budget"] and best[COST] <= BUDGET
    assert best[AVERTED]["mean"] == max(d[AVERTED]["mean"] for d in designs if d[COST] <= BUDGET)
    low, high = best[AVERTED]["ci95"]
    assert low <= best[AVERTED]["mean"] <= high
    assert set(best["overrides"]) == set(yaml.safe_load(LEVERS)["levers"])


@pytest.fixture(scope="module")
def stochastic_search(levers_file):
    return optimize_design(
        "community_peer_mentoring",
        BUDGET,
        levers=levers_file,
        trials=2,
        uncertainty="stochastic",
        **SMALL,
    )


@pytest.mark.parametrize("uncertainty", ["parameters+stochastic", "stochastic"])
def test_a_designs_effect_is_the_paired_difference_compare_reports(
    uncertainty, search, stochastic_search
):
    """The same seeds and posterior draws as the program-free baseline, as `compare` runs them.

    By default (as in `compare`) replicate i of the baseline and of every design runs posterior
    draw i, so the effect, its total interval (the spread across draws) and its run-to-run
    interval are the numbers `compare` reports at the same seeds and the default uncertainty.
    """
    chosen = search if uncertainty == "parameters+stochastic" else stochastic_search
    best = chosen.best or chosen.document["all_designs"][0]  # within budget or not
    assert chosen.document["uncertainty"] == uncertainty
    base = load_scenario(
        COMMUNITY, [f"population.size={SMALL['population']}", f"days={SMALL['days']}"]
    )
    design = rs.scenario_from_dict(
        base.model_dump(), {**best["overrides"], "name": "design"}, source="test"
    )
    options = {} if uncertainty == "parameters+stochastic" else {"uncertainty": uncertainty}
    result = rs.compare_scenarios(
        [program_free(base), design], replicates=SMALL["replicates"], seed=SMALL["seed"], **options
    )
    reported = result.document["differences"]["design"]["relapses_averted_per_100"]
    assert best[AVERTED]["mean"] == pytest.approx(reported["mean"], abs=1e-9)
    for interval in ("ci95", "ci95_stochastic", "spread95"):
        assert best[AVERTED][interval] == pytest.approx(reported[interval], abs=1e-9)
    cost = result.estimates.set_index(["scenario", "metric"]).loc[("design", COST), "mean"]
    assert cost == pytest.approx(best[COST], rel=1e-9)
    assert chosen.document["baseline"][COST] == 0.0
    assert chosen.document["intervals"] == result.document["intervals"]
    if uncertainty == "parameters+stochastic":
        drawn = chosen.document["parameter_draws"]["replicate_draws"]
        assert drawn == result.document["parameter_draws"]["replicate_draws"]
        assert chosen.document["posterior"]["draws"] == len(load_posterior())
        # The total interval is the spread over draws, not the t-interval of the mean.
        assert best[AVERTED]["ci95"] != best[AVERTED]["ci95_stochastic"]
    else:
        assert "parameter_draws" not in chosen.document
        assert chosen.document["posterior"] is None


def test_parameter_draws_move_the_numbers(search, stochastic_search):
    """The first trial (the same sampled levers, same seed) differs once the draws are laid on."""
    drawn, fitted = search.document["all_designs"][0], stochastic_search.document["all_designs"][0]
    assert drawn["overrides"] == fitted["overrides"]
    assert drawn[AVERTED]["mean"] != pytest.approx(fitted[AVERTED]["mean"], abs=1e-6)
    assert search.document["baseline"]["relapsed_per_100"] != pytest.approx(
        stochastic_search.document["baseline"]["relapsed_per_100"], abs=1e-6
    )


def test_the_best_design_file_extends_the_input_and_loads_back(search):
    path = search.files["best_scenario"]
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    assert data["extends"].endswith("community_peer_mentoring.yaml")
    assert "population" not in data and "days" not in data  # the search's speed knobs stay out
    loaded, start = load_scenario(path), BASE
    for key, value in search.best["overrides"].items():
        section, name = key.split(".")
        assert getattr(getattr(loaded, section), name) == pytest.approx(value)
        stated = name in data.get(section, {})
        assert stated == (
            getattr(getattr(start, section), name) != getattr(getattr(loaded, section), name)
        )
    assert loaded.population.size == start.population.size


def test_outputs_are_written(search):
    doc = json.loads(Path(search.files["optimize_json"]).read_text(encoding="utf-8"))
    assert doc["best"] == search.best and doc["trials"] == 8
    with open(search.files["frontier"], "rb") as png:
        assert png.read(8) == b"\x89PNG\r\n\x1a\n"


def test_a_stopped_search_continues_from_its_stored_trials(levers_file, tmp_path):
    first = optimize_design(
        "community_peer_mentoring", BUDGET, levers=levers_file, trials=3, out=tmp_path, **SMALL
    )
    params = [t.params for t in first.study.trials]
    assert stored_trials(tmp_path) == 3
    second = optimize_design(
        "community_peer_mentoring", BUDGET, levers=levers_file, trials=5, out=tmp_path, **SMALL
    )
    assert stored_trials(tmp_path) == 5 and second.document["trials"] == 5
    assert [t.params for t in second.study.trials[:3]] == params  # kept, not redone
    again = optimize_design(
        "community_peer_mentoring", BUDGET, levers=levers_file, trials=5, out=tmp_path, **SMALL
    )
    assert len(again.study.trials) == 5  # nothing left to do
    with pytest.raises(DesignError, match="budget_per_participant"):
        optimize_design(
            "community_peer_mentoring", 900, levers=levers_file, trials=6, out=tmp_path, **SMALL
        )
    stored = dict(first.study.user_attrs["settings"])
    for other, changed in (
        ({"uncertainty": "stochastic"}, r"\(uncertainty, posterior\)"),
        ({"posterior": load_posterior().iloc[:50]}, r"\(posterior\)"),
    ):
        with pytest.raises(DesignError, match=changed):
            optimize_design(
                "community_peer_mentoring",
                BUDGET,
                levers=levers_file,
                trials=6,
                out=tmp_path,
                **SMALL,
                **other,
            )
    assert stored_trials(tmp_path) == 5  # nothing was run or stored by the refused searches
    assert first.study.user_attrs["settings"] == stored


def test_a_budget_no_design_meets_gives_no_best(levers_file):
    search = optimize_design("community_peer_mentoring", 1.0, levers=levers_file, trials=2, **SMALL)
    assert search.best is None and search.pareto == []
    assert all(not d["within_budget"] for d in search.document["all_designs"])


def test_levers_take_schema_ranges_and_bad_levers_name_the_file(levers_file, tmp_path):
    levers = {lever.key: lever for lever in load_levers(levers_file, BASE)}
    assert (levers["training.hours"].low, levers["training.hours"].high) == (0.0, 500.0)
    assert levers["setting.kind"].levels == ("community", "digital")
    bad = {
        "mentoring.caseload: {range: [2, 5]}": "mentoring.caseload_cap",
        "mentoring.caseload_cap: {range: [0, 5]}": "outside what the schema allows",
        "training.hours: {range: [5, 1]}": "low < high",
        "training.hours: {range: [0, 5], scale: log}": "log with a range above 0",
        "setting.kind: [community, moon]": "setting.kind",
    }
    for line, message in bad.items():
        path = tmp_path / "levers.yaml"
        path.write_text(f"levers:\n  {line}\n", encoding="utf-8")
        with pytest.raises(ScenarioError, match=message) as caught:
            load_levers(path, BASE)
        assert str(path) in str(caught.value)


def test_the_command_prints_json_and_rejects_bad_arguments(capsys, levers_file, tmp_path):
    code, out, err = run_cli(
        capsys,
        *("optimize", "community_peer_mentoring", "--budget-per-participant", "1500"),
        *("--levers", str(levers_file), "--trials", "2", "--population", "150", "--days", "45"),
        *("--replicates", "2", "--workers", "1", "--json", "--out", str(tmp_path / "o")),
    )
    assert code == 0
    # Not a terminal, and --json: progress is still shown, as lines on stderr (stdout is JSON).
    lines = err.splitlines()
    assert [line.split(",")[0] for line in lines] == [
        "optimize: 1/2 trials (50%)",
        "optimize: 2/2 trials (100%)",
    ]
    doc = json.loads(out)
    assert doc["trials"] == 2 and doc["budget_per_participant"] == 1500
    for args, message in (
        (("--budget-per-participant", "0"), "--budget-per-participant"),
        (("--budget-per-participant", "9", "--trials", "0"), "--trials"),
        (("--budget-per-participant", "9", "--workers", "2", "--dask-scheduler", "x"), "exclude"),
        (("--budget-per-participant", "9", "--workers", "2", "--dask-local", "1"), "exclude"),
    ):
        code, _, err = run_cli(capsys, "optimize", "community_peer_mentoring", *args)
        assert code == 2 and message in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1
    code, _, err = run_cli(
        capsys,
        "optimize",
        "community_peer_mentoring",
        "--budget-per-participant",
        "9",
        "--uncertainty",
        "parameters",
    )
    assert code == 2 and "'--uncertainty'" in err and "parameters+stochastic" in err
    with pytest.raises(RecoverySimError, match=r"uncertainty = 'parameters' is not allowed"):
        optimize_design("community_peer_mentoring", BUDGET, uncertainty="parameters", **SMALL)


def test_the_bundled_levers_example_loads_against_community_mentoring():
    path = COMMUNITY.parent.parent / "experiments" / "levers" / "community_program.yaml"
    levers = {lever.key: lever for lever in load_levers(path, BASE)}
    assert "residential" not in levers["setting.kind"].levels
    assert levers["mentoring.contacts_per_week"].log
    assert levers["mentoring.caseload_cap"].whole


@pytest.mark.parametrize(
    "module",
    ["simulation.design.optimize", "simulation.design.levers", "simulation.design.discover"],
)
def test_docstring_examples_run(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_a_scenario_without_mentoring_is_refused_not_searched(levers_file):
    with pytest.raises(DesignError, match=r"mentoring\.enabled = false"):
        optimize_design("treatment_as_usual", BUDGET, levers=levers_file, trials=2, **SMALL)


def test_counting_stored_trials_never_writes_to_a_database_being_created(tmp_path):
    """The writer between creating its tables and stamping their version: the reader waits.

    Optuna stamps version rows on opening a storage; when the counter did that too, the
    search writing the file failed with "UNIQUE constraint failed: alembic_version".
    """
    import sqlite3

    from optuna.storages._rdb import models

    path = tmp_path / "optimize.db"
    engine = sqlalchemy.create_engine(f"sqlite:///{path}")
    models.BaseModel.metadata.create_all(engine)  # tables made, no version rows yet
    engine.dispose()
    tables = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
    with sqlite3.connect(path) as db:
        before = db.execute(tables).fetchall()
    assert stored_trials(tmp_path) == 0
    with sqlite3.connect(path) as db:
        assert db.execute(tables).fetchall() == before  # no alembic_version table made
        assert db.execute("SELECT COUNT(*) FROM version_info").fetchone() == (0,)
    # The writer then opens it as usual, and the counter reads its trials.
    storage = optuna.storages.RDBStorage(f"sqlite:///{path}")
    study = optuna.create_study(study_name="optimize", storage=storage, directions=["maximize"])
    study.optimize(lambda trial: trial.suggest_float("x", 0, 1), n_trials=2)
    assert stored_trials(tmp_path) == 2


def _count_while_written(folder):
    """Finished trials, read while another process may still be creating the database."""
    try:
        return stored_trials(folder)
    except Exception:  # e.g. sqlite3 "no such table" while the writer creates its schema
        return 0


#: A writer killed mid-transaction after its cache spilled to the file: a hot rollback journal.
_KILLED_WRITER = """
import os, signal, sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("PRAGMA cache_size=2")  # spill soon: the file itself changes mid-transaction
connection.execute("BEGIN EXCLUSIVE")
connection.execute("UPDATE trials SET number = number")
connection.execute("CREATE TABLE filler(x)")
connection.execute(
    "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 500) "
    "INSERT INTO filler SELECT randomblob(4000) FROM r"
)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_trials_of_a_search_killed_mid_write_are_still_counted(levers_file, tmp_path):
    optimize_design(
        "community_peer_mentoring", BUDGET, levers=levers_file, trials=2, out=tmp_path, **SMALL
    )
    database = tmp_path / "optimize.db"
    killed = subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(database)], check=False)
    assert killed.returncode == -signal.SIGKILL
    journal = tmp_path / "optimize.db-journal"
    assert journal.exists() and journal.stat().st_size > 0  # the case is real: a hot journal
    assert stored_trials(tmp_path) == 2  # the interrupted write undone, the stored trials kept
    assert not journal.exists() or journal.stat().st_size == 0


def test_a_killed_search_continues_where_it_stopped(levers_file, tmp_path):
    """SIGKILL mid-search, then the same command: the stored trials stay, the rest are run."""
    args = [
        *("-m", "simulation", "optimize", "community_peer_mentoring"),
        *("--budget-per-participant", "1500", "--levers", str(levers_file), "--trials", "12"),
        *("--population", "100", "--days", "30", "--replicates", "2", "--workers", "1"),
        *("--out", str(tmp_path)),
    ]
    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "PYTHONPATH": str(root)}
    log = tmp_path / "stderr.txt"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, *args], env=env, stdout=subprocess.DEVNULL, stderr=stderr
        )
        # A generous deadline: on a loaded 2-core machine two trials can take minutes.
        deadline = time.monotonic() + 600
        while _count_while_written(tmp_path) < 2 and time.monotonic() < deadline:
            if process.poll() is not None:
                break
            time.sleep(0.3)
        ended_by_itself = process.poll()
        process.send_signal(signal.SIGKILL)
        process.wait()
    kept = stored_trials(tmp_path)
    said = log.read_text(errors="replace")[-2000:]
    assert ended_by_itself is None, f"the search ended by itself ({ended_by_itself}): {said}"
    # Twelve short trials, killed after two are stored: room for a slow or a fast machine.
    assert 2 <= kept < 12, f"{kept} trials stored when killed: {said}"
    first = optuna.load_study(study_name="optimize", storage=f"sqlite:///{tmp_path}/optimize.db")
    params = [t.params for t in first.get_trials(states=(optuna.trial.TrialState.COMPLETE,))]
    done = subprocess.run([sys.executable, *args], env=env, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert stored_trials(tmp_path) == 12
    study = optuna.load_study(study_name="optimize", storage=f"sqlite:///{tmp_path}/optimize.db")
    complete = study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    assert [t.params for t in complete[:kept]] == params


def test_an_edited_scenario_file_is_a_new_search_not_a_continuation(levers_file, tmp_path):
    scenario = tmp_path / "mine.yaml"
    scenario.write_text(f"extends: {COMMUNITY}\nname: mine\n", encoding="utf-8")
    optimize_design(scenario, BUDGET, levers=levers_file, trials=1, out=tmp_path / "o", **SMALL)
    scenario.write_text(
        f"extends: {COMMUNITY}\nname: mine\nmentoring: {{caseload_cap: 7}}\n", encoding="utf-8"
    )
    with pytest.raises(DesignError, match="scenario_sha256"):
        optimize_design(scenario, BUDGET, levers=levers_file, trials=2, out=tmp_path / "o", **SMALL)


def test_the_text_output_says_what_its_intervals_include(capsys, levers_file, tmp_path):
    code, out, _ = run_cli(
        capsys,
        *("optimize", "community_peer_mentoring", "--budget-per-participant", "1500"),
        *("--levers", str(levers_file), "--trials", "2", "--population", "150", "--days", "45"),
        *("--replicates", "2", "--workers", "1", "--out", str(tmp_path / "o")),
    )
    assert code == 0
    said = " ".join(out.split())
    assert "Intervals (parameters+stochastic): total:" in said
    assert "posterior parameter draw" in said
