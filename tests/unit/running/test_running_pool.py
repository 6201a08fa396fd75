"""The run-and-pool layer: one place builds pools and frees models; numbers match on every executor."""

from __future__ import annotations

import gc
import re
import weakref
from pathlib import Path

import mesa
import pandas as pd
import pytest

from simulation.analysis.compare import compare
from simulation.model.model import RecoveryCommunityModel
from simulation.running.pool import InlineExecutor, release_model, run_each
from simulation.running.runner import run_replicates, simulate
from simulation.running.seeds import comparison_seeds, replicate_seeds, run_seed
from simulation.scenario.schema import Scenario

PACKAGE = Path(__file__).resolve().parents[3] / "simulation"
SMALL = Scenario(name="small", days=40, population={"size": 150}, mentoring={"enabled": True})


def occurrences(pattern: str) -> list[str]:
    """Files (relative to the package) and counts of a regex in the package's source."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        hits = len(re.findall(pattern, path.read_text(encoding="utf-8")))
        found += [str(path.relative_to(PACKAGE))] * hits
    return found


def test_one_place_builds_process_pools():
    assert occurrences(r"ProcessPoolExecutor\(") == ["running/pool.py"]
    assert occurrences(r"get_context\(") == ["running/pool.py"]


def test_one_place_touches_mesas_private_id_counter():
    # `\b_ids\b` matches `Agent._ids` and "_ids" but not names such as finished_run_ids.
    assert occurrences(r"\b_ids\b") == ["running/pool.py"]


def same_runs(a, b) -> None:
    assert [r.seed for r in a] == [r.seed for r in b]
    for x, y in zip(a, b, strict=True):
        # NaN (a metric a short run cannot measure) equals NaN here: same keys, same numbers.
        assert x.metrics.keys() == y.metrics.keys()
        pd.testing.assert_series_equal(pd.Series(x.metrics), pd.Series(y.metrics))
        pd.testing.assert_frame_equal(x.daily, y.daily)


def test_serial_and_process_pool_give_the_same_seeds_and_numbers():
    seeds = replicate_seeds(5, 3)
    serial = run_replicates(SMALL, seeds, workers=1)
    pooled = run_replicates(SMALL, seeds, workers=2)
    inline = run_replicates(SMALL, seeds, executor=InlineExecutor())
    same_runs(serial, pooled)
    same_runs(serial, inline)
    # replicates really differ, so equality above is not an artefact of one repeated run
    assert serial[0].metrics != serial[1].metrics


def test_dask_executor_gives_the_same_numbers():
    distributed = pytest.importorskip("dask.distributed")
    seeds = replicate_seeds(5, 2)
    serial = run_replicates(SMALL, seeds, workers=1)
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = run_replicates(SMALL, seeds, executor=client.get_executor(pure=False))
    same_runs(serial, on_dask)


def test_compare_with_crn_runs_the_same_replicates_as_run():
    tau = Scenario(name="tau", days=40, population={"size": 150})
    result = compare([tau, SMALL], replicates=2, seed=5, workers=2, uncertainty="stochastic")
    assert result.seeds["tau"] == result.seeds["small"] == replicate_seeds(5, 2)
    same_runs(result.results["small"], run_replicates(SMALL, replicate_seeds(5, 2), workers=1))


def test_compare_and_run_draw_the_same_worlds_from_the_same_seed():
    from posterior_factory import posterior

    from simulation import run_scenario

    tau = Scenario(name="tau", days=40, population={"size": 150})
    result = compare([tau, SMALL], replicates=2, seed=5, workers=2, posterior=posterior())
    run = run_scenario(SMALL, replicates=2, seed=5, workers=1, posterior=posterior())
    assert (
        result.document["parameter_draws"]["replicate_draws"]
        == (run.summary["parameter_draws"]["replicate_draws"])
    )
    same_runs(result.results["small"], run.results)


def test_seeds_come_from_one_master_seed():
    assert comparison_seeds(9, 3, 2, crn=True) == [replicate_seeds(9, 3)] * 2
    independent = comparison_seeds(9, 3, 2, crn=False)
    assert not set(independent[0]) & set(independent[1])
    assert not set(independent[0]) & set(replicate_seeds(9, 3))
    assert run_seed(9, 4, 1, common=True) == run_seed(9, 0, 1, common=True)
    assert len({run_seed(9, p, r) for p in range(5) for r in range(4)}) == 20


def square(x: int) -> int:
    return x * x


def test_run_each_returns_results_in_job_order_and_reports_each():
    seen: list[int] = []
    assert run_each(square, [(i,) for i in range(6)], workers=2, on_done=seen.append) == [
        0,
        1,
        4,
        9,
        16,
        25,
    ]
    assert sorted(seen) == [0, 1, 4, 9, 16, 25]


def test_a_model_whose_agents_were_never_asked_for_is_freed_without_release():
    model = RecoveryCommunityModel(seed=1, population={"size": 50}, days=3)
    model.run()
    assert not model.agents_built
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None


def test_a_finished_model_is_kept_by_mesa_until_released():
    model = RecoveryCommunityModel(seed=1, population={"size": 50}, days=3)
    assert len(model.agents) == model.people.size  # made now: Mesa's id counter holds the model
    model.run()
    assert not model.running
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is not None, "Mesa 3.3 keeps finished models (if this fails, Mesa fixed it)"
    assert release_model(ref()) == 1
    gc.collect()
    assert ref() is None


def test_simulate_lets_its_model_go():
    before = len(mesa.Agent._ids)
    simulate(SMALL, seed=3)
    gc.collect()
    assert len(mesa.Agent._ids) == before


def test_a_batch_run_sweep_leaves_no_model_behind():
    release_model()
    before = set(mesa.Agent._ids)  # unfinished models other tests left behind stay
    rows = mesa.batch_run(
        RecoveryCommunityModel,
        parameters={"population": [{"size": 60}], "days": 5, "seed": range(3)},
        iterations=1,
        number_processes=1,
        display_progress=False,
    )
    assert len(rows) == 3 and {row["day"] for row in rows} == {5}
    gc.collect()
    assert set(mesa.Agent._ids) == before  # the sweep never asked for agents


def test_release_without_arguments_frees_the_finished_models_only():
    release_model()
    before = set(mesa.Agent._ids)  # unfinished models other tests left behind stay

    def new_models() -> list:
        return [m for m in mesa.Agent._ids if m not in before]

    for seed in range(3):
        model = RecoveryCommunityModel(seed=seed, population={"size": 60}, days=5)
        model.agents_by_type  # noqa: B018 - asking for the agents makes them
        model.run()
    del model
    unfinished = RecoveryCommunityModel(seed=1, population={"size": 30}, days=5)
    unfinished.agent_at_row  # noqa: B018
    assert len(new_models()) == 4
    assert release_model() == 3  # the finished ones only
    assert new_models() == [unfinished]
    release_model(unfinished)
