"""The posterior ensemble: the shipped draws and provenance, the emulator, the check's shape."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest

import simulation as rs
from simulation.calibration.abc_fit import band_distance
from simulation.calibration.emulator import Emulator
from simulation.calibration.ensemble import design_file
from simulation.calibration.posterior import (
    POSTERIOR_FILE,
    load_posterior,
    posterior_provenance,
)
from simulation.calibration.priors import PRIOR_KEYS, PRIORS, to_unit
from simulation.calibration.target_runs import FitTarget, fit_targets
from simulation.calibration.targets import DEFAULT_TARGETS, MORE_TARGETS, CalibrationError
from simulation.cli import main
from simulation.scenario.overrides import with_overrides
from simulation.scenario.schema import Scenario, iter_parameters

#: Program design levers a scenario chooses: never part of the posterior.
DESIGN_LEVERS = (
    "mentoring.enabled",
    "mentoring.caseload_cap",
    "mentoring.contacts_per_week",
    "meetings.enabled",
    "meetings.meetings_per_week",
)


def test_load_posterior_gives_at_least_200_draws_of_schema_keys_inside_their_priors():
    draws = rs.load_posterior()
    assert len(draws) >= 200
    assert draws.index.name == "draw" and list(draws.index) == list(range(len(draws)))
    assert list(draws.columns) == list(PRIOR_KEYS)
    assert all(dtype == np.float64 for dtype in draws.dtypes)
    keys = {key for key, _ in iter_parameters()}
    assert set(draws.columns) <= keys and not set(draws.columns) & set(DESIGN_LEVERS)
    for prior in PRIORS:
        column = draws[prior.key]
        assert column.between(prior.low, prior.high).all(), prior.key
        assert column.nunique() > 20, prior.key  # a spread of values, not one point
    # Every draw is a valid scenario (within the schema's bounds).
    scenario = with_overrides(Scenario(), draws.iloc[0].to_dict())
    assert scenario.relapse.frailty_variance == pytest.approx(
        draws.iloc[0]["relapse.frailty_variance"]
    )


def test_load_posterior_returns_a_copy_and_a_missing_file_is_a_clear_error(tmp_path):
    first = load_posterior()
    first.iloc[0, 0] = -1.0
    assert load_posterior().iloc[0, 0] != -1.0
    with pytest.raises(CalibrationError, match="does not exist"):
        load_posterior(tmp_path / "none.parquet")


def test_the_ensemble_narrows_the_priors_where_the_targets_inform_them():
    draws = load_posterior()
    unit = pd.DataFrame(to_unit(draws), columns=draws.columns)
    # A uniform prior has a standard deviation of 0.289 on the unit scale; the alcohol curve's
    # first-day hazard is pinned by four bands, so its posterior is much narrower.
    assert unit["relapse.alcohol.initial_lapse_rate_per_day"].std() < 0.2


def test_provenance_names_targets_files_seed_and_versions():
    prov = posterior_provenance()
    ids = {t["id"] for t in prov["targets"]}
    assert {t.id for t in fit_targets()} == ids
    assert len(ids) >= 20
    for path in (DEFAULT_TARGETS, MORE_TARGETS):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert digest in prov["target_files"].values()
    assert prov["draws"] == len(load_posterior())
    assert isinstance(prov["seed"], int)
    for name in ("pyabc", "scikit-learn", "numpy", "recovery-sim", "python"):
        assert prov["versions"][name]
    assert [p["key"] for p in prov["parameters"]] == list(PRIOR_KEYS)
    assert prov["design"]["finished_points"] >= 40 and prov["built"]


def test_the_emulator_predicts_held_out_design_points():
    frame = pd.read_parquet(design_file(POSTERIOR_FILE))
    unit = to_unit(frame[list(PRIOR_KEYS)])
    targets = ["alcohol_continuous_abstinence.90", "any_sud_relapse_one_year"]
    test = np.arange(len(frame)) % 5 == 0
    emulator = Emulator.fit(unit[~test], frame.loc[~test, targets], seed=1)
    mean, _ = emulator.predict(unit[test])
    for target in targets:
        truth = frame.loc[test, target].to_numpy()
        rmse = float(np.sqrt(np.mean((mean[target].to_numpy() - truth) ** 2)))
        # Much better than guessing the design's mean: the emulator has learned the response.
        assert rmse < 0.6 * frame[target].std(), target


def test_fast_prediction_agrees_with_scikit_learn():
    rng = np.random.default_rng(3)
    unit = rng.random((40, 3))
    values = pd.DataFrame(
        {"a": unit[:, 0] ** 2 + rng.normal(0, 0.02, 40), "b": np.sin(3 * unit[:, 1])}
    )
    emulator = Emulator.fit(unit, values, seed=0)
    points = rng.random((4, 3))
    mean, sd = emulator.predict(points)
    for i, point in enumerate(points):
        fast_mean, fast_sd = emulator.predict_one(point)
        np.testing.assert_allclose(fast_mean, mean.iloc[i].to_numpy(), rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(fast_sd, sd.iloc[i].to_numpy(), rtol=1e-6, atol=1e-9)
    # The run noise (0.02 sd on a) is found, and kept out of the latent uncertainty.
    assert 0.01**2 < emulator.noise["a"] < 0.04**2


def test_band_distance_is_zero_inside_and_counts_band_widths_outside():
    targets = [
        FitTarget("a", (0.4, 0.6), None, "g", (), None),
        FitTarget("b", (1.0, 2.0), None, "g", (), None),
    ]
    assert band_distance({"a": 0.5, "b": 1.5}, targets) == 0.0
    assert band_distance({"a": 0.7, "b": 1.5}, targets) == pytest.approx(0.5)
    assert band_distance({"a": 0.7, "b": 0.0}, targets) == pytest.approx(np.hypot(0.5, 1.0))


def test_calibrate_check_json_lists_every_target_with_its_prediction(capsys, tmp_path):
    try:
        main(
            ["calibrate", "--check", "--json", "--check-draws", "2", "--population", "60",
             "--workers", "0"]
        )  # fmt: skip
    except SystemExit as exc:
        assert exc.code in (0, None)
    document = json.loads(capsys.readouterr().out)
    rows = document["targets"]
    assert [r["id"] for r in rows] == [t.id for t in fit_targets()]
    for row in rows:
        assert set(row) >= {"id", "band", "predicted", "inside"}
        assert set(row["predicted"]) == {"mean", "ci90"} and len(row["predicted"]["ci90"]) == 2
        if row["predicted"]["mean"] is not None:
            low, high = row["band"]
            assert row["inside"] == (low <= row["predicted"]["mean"] <= high)
            assert row["predicted"]["ci90"][0] <= row["predicted"]["mean"]
    assert document["summary"]["listed"] == len(rows)
    assert document["settings"]["draws"] == 2
