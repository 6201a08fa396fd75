"""compare: seeds, interval arithmetic, CRN against independent seeds, and the CLI's bad input."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_cli
from scipy import stats

from simulation.analysis.compare import (
    CompareError,
    check_metric,
    compare,
    comparison_seeds,
    cost_effectiveness,
    paired_difference,
    ratio_of_means,
    welch_difference,
)
from simulation.scenario.files import BUNDLED_SCENARIOS, load_scenario

TAU = str(BUNDLED_SCENARIOS / "treatment_as_usual.yaml")
PEER = str(BUNDLED_SCENARIOS / "community_peer_mentoring.yaml")
SMALL = ["population.size=300", "days=120"]


def width(stat: dict) -> float:
    return stat["ci95"][1] - stat["ci95"][0]


def test_crn_shares_seeds_and_no_crn_does_not():
    shared = comparison_seeds(3, 4, 3, crn=True)
    assert shared[0] == shared[1] == shared[2]
    independent = comparison_seeds(3, 4, 3, crn=False)
    assert not set(independent[0]) & set(independent[1])
    assert comparison_seeds(3, 4, 3, crn=False) == independent  # reproducible


def test_paired_difference_is_the_t_interval_of_the_differences():
    result = paired_difference([3.0, 4.0, 5.0], [1.0, 1.0, 2.0])  # differences 2, 3, 3
    half = stats.t.ppf(0.975, 2) * np.std([2, 3, 3], ddof=1) / math.sqrt(3)
    assert result["mean"] == pytest.approx(8 / 3)
    assert result["ci95"] == pytest.approx([8 / 3 - half, 8 / 3 + half])
    # A pair with a missing value is dropped, not the whole metric.
    assert paired_difference([1.0, float("nan")], [0.5, 0.0])["mean"] == pytest.approx(0.5)


def test_welch_difference_matches_scipy():
    a, b = [5.1, 6.3, 5.8, 7.0], [4.0, 4.9, 3.8]
    result = welch_difference(a, b)
    expected = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert result["mean"] == pytest.approx(np.mean(a) - np.mean(b))
    assert result["ci95"] == pytest.approx([expected.low, expected.high])


def test_ratio_of_means_has_a_reproducible_bootstrap_interval():
    a, b = [2.0, 2.2, 1.9, 2.4, 2.1], [1.0, 1.1, 0.9, 1.2, 1.0]
    first = ratio_of_means(a, b, paired=True, seed=1)
    assert first["mean"] == pytest.approx(np.mean(a) / np.mean(b))
    low, high = first["ci95"]
    assert 1.8 < low < first["mean"] < high < 2.3
    assert ratio_of_means(a, b, paired=True, seed=1) == first


def test_cost_per_relapse_averted_is_extra_cost_over_relapses_averted():
    base = [{"relapsed_per_100": r, "cost_total": 0.0} for r in (50, 52, 48, 51)]
    runs = [
        {"relapsed_per_100": r, "cost_total": c}
        for r, c in ((40, 200_000.0), (41, 210_000.0), (39, 190_000.0), (40, 205_000.0))
    ]
    effect = cost_effectiveness(runs, base, 100, 100, paired=True, seed=0)
    # 2,012.5 dollars more per participant, 10.25 relapses averted per 100 participants.
    assert effect["costed"]
    assert effect["incremental_cost_per_participant"]["mean"] == pytest.approx(2012.5)
    icer = effect["cost_per_relapse_averted"]
    assert icer["mean"] == pytest.approx(100 * 2012.5 / 10.25)
    assert icer["ci95"][0] < icer["mean"] < icer["ci95"][1]


def test_costs_are_null_when_runs_carry_none_and_undefined_without_averted_relapses():
    base = [{"relapsed_per_100": 50.0}] * 3
    runs = [{"relapsed_per_100": 40.0}] * 3
    effect = cost_effectiveness(runs, base, 100, 100, paired=True, seed=0)
    assert not effect["costed"]
    assert effect["cost_per_relapse_averted"] == {"mean": None, "ci95": None}
    worse = [{"relapsed_per_100": 55.0 + i, "cost_total": 1000.0} for i in range(3)]
    base_cost = [{"relapsed_per_100": 50.0 + i, "cost_total": 0.0} for i in range(3)]
    effect = cost_effectiveness(worse, base_cost, 100, 100, paired=True, seed=0)
    assert effect["costed"] and effect["cost_per_relapse_averted"]["mean"] is None
    assert "no relapses averted" in effect["note"]


def test_common_random_numbers_narrow_the_interval_of_a_difference():
    scenarios = [load_scenario(f, SMALL) for f in (TAU, PEER)]
    # Run-to-run variation only: this is about what common random numbers do to the seeds.
    crn = compare(scenarios, replicates=5, seed=11, workers=1, uncertainty="stochastic")
    independent = compare(
        scenarios, replicates=5, seed=11, crn=False, workers=1, uncertainty="stochastic"
    )
    tau, peer = crn.names
    assert [r.seed for r in crn.results[tau]] == [r.seed for r in crn.results[peer]]
    # Measured at these settings: lapse_free_90 0.03 vs 0.11, relapses averted 5.1 vs 8.0.
    for metric, at_most in (("lapse_free_90", 0.5), ("relapses_averted_per_100", 0.8)):
        paired = width(crn.document["differences"][peer][metric])
        unpaired = width(independent.document["differences"][peer][metric])
        assert paired < at_most * unpaired, (metric, paired, unpaired)
    # Mentoring averts relapses, and the per-replicate hazard ratios say the curves differ.
    averted = crn.document["differences"][peer]["relapses_averted_per_100"]
    assert averted["ci95"][0] > 0
    # 300 people over 120 days: mentoring acts through contact and a growing alliance, so its
    # early effect is modest (measured HR of first relapse 0.83, interval 0.74 to 0.93).
    relapse = crn.document["hazard_ratios"][peer]["relapse"]
    assert relapse["ci95"][1] < 1.0 and len(relapse["per_replicate"]) == 5


def test_check_metric_names_the_metric_and_the_days():
    check_metric("lapse_free_90", 120)
    with pytest.raises(CompareError, match=r"lapse_free_365 needs a run of at least 365 days"):
        check_metric("lapse_free_365", 120)
    with pytest.raises(CompareError, match="'happiness' is not a metric"):
        check_metric("happiness", 365)


def test_compare_json_has_every_field_the_issue_names(capsys, tmp_path):
    out = tmp_path / "cmp"
    code, stdout, _ = run_cli(
        capsys,
        *("compare", TAU, PEER, "--replicates", "3", "--population", "150", "--days", "60"),
        *("--seed", "3", "--workers", "1", "--json", "--out", str(out)),
        *("--uncertainty", "stochastic"),
    )
    assert code == 0
    doc = json.loads(stdout)
    keys = {"scenarios", "baseline", "differences", "hazard_ratios", "crn", "replicates", "seed"}
    assert keys | {"uncertainty", "intervals", "probability_best"} <= set(doc)
    assert doc["uncertainty"] == "stochastic" and "parameter_draws" not in doc
    assert doc["baseline"] == "treatment_as_usual"
    assert doc["crn"] is True and doc["replicates"] == 3 and doc["seed"] == 3
    assert set(doc["scenarios"]) == {"treatment_as_usual", "community_peer_mentoring"}
    diffs = doc["differences"]["community_peer_mentoring"]
    for stat in diffs.values():
        assert set(stat) == {"mean", "ci95", "ci95_stochastic", "spread95"}
        assert stat["ci95"] == stat["ci95_stochastic"]  # run-to-run only: one interval
    low, high = diffs["relapses_averted_per_100"]["ci95"]
    assert low <= diffs["relapses_averted_per_100"]["mean"] <= high
    assert diffs["cost_per_relapse_averted"]["mean"] is None or "cost_total" in diffs
    assert 0.0 < doc["hazard_ratios"]["community_peer_mentoring"]["lapse"]["mean"] < 2.0
    assert json.loads((out / "compare.json").read_text()) == doc
    assert (out / "scenarios" / "community_peer_mentoring.yaml").exists()
    assert not list(out.rglob("*.tmp"))


def bad_scenario(tmp_path: Path) -> str:
    path = tmp_path / "longer.yaml"
    path.write_text(f"extends: {TAU}\nname: longer\ndays: 200\n")
    return str(path)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--baseline", "nope"], ["--baseline 'nope'", "treatment_as_usual"]),
        (["--metric", "lapse_free_365", "--days", "60"], ["lapse_free_365", "--days 60"]),
        (["--report"], ["--report", "--out DIR"]),
    ],
)
def test_compare_bad_input_is_one_paragraph_exit_2(capsys, tmp_path, args, words):
    code, stdout, stderr = run_cli(capsys, "compare", TAU, PEER, *args)
    assert code == 2 and stdout == ""
    assert stderr.startswith("error: ") and "Traceback" not in stderr
    for word in words:
        assert word in stderr


def test_compare_refuses_mismatched_days_and_missing_files(capsys, tmp_path):
    code, _, stderr = run_cli(capsys, "compare", TAU, bad_scenario(tmp_path))
    assert code == 2 and "different numbers of days" in stderr and "longer 200 days" in stderr
    code, _, stderr = run_cli(capsys, "compare", TAU, str(tmp_path / "missing.yaml"))
    assert code == 2 and "missing.yaml" in stderr and "does not exist" in stderr
    assert not (tmp_path / "o").exists()
