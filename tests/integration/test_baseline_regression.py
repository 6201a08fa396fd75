"""Seeded baselines (as Starsim does): today's run must match the checked-in numbers.

Each file in tests/baselines/ holds the metrics of one small fixed run of a bundled scenario.
A difference means the model's behaviour changed. If the change is intended, regenerate the
files and commit them with the change:

    .venv/bin/python tests/integration/test_baseline_regression.py
    # or: RECOVERY_SIM_REGENERATE_BASELINES=1 .venv/bin/pytest tests/integration/test_baseline_regression.py
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from simulation.running.result_files import to_jsonable
from simulation.running.runner import simulate
from simulation.scenario.files import load_scenario

ROOT = Path(__file__).resolve().parents[2]
BASELINES = Path(__file__).resolve().parents[1] / "baselines"
#: scenario file -> (population, days, seed) of the baseline run
RUNS = {
    "treatment_as_usual": (1000, 365, 1),
    "community_peer_mentoring": (1000, 365, 1),
}
TOLERANCE = 1e-9
REGENERATE = "python tests/integration/test_baseline_regression.py"


def baseline_run(name: str) -> dict:
    """The numbers a baseline file holds, computed now."""
    population, days, seed = RUNS[name]
    scenario = load_scenario(
        ROOT / "scenarios" / f"{name}.yaml", [f"population.size={population}", f"days={days}"]
    )
    result = simulate(scenario, seed)
    last_day = result.daily.iloc[-1].to_dict()
    return to_jsonable(
        {
            "scenario": name,
            "population": population,
            "days": days,
            "seed": seed,
            "regenerate_with": REGENERATE,
            "metrics": result.metrics,
            "breakdowns": result.breakdowns,
            "last_day": {k: float(v) for k, v in last_day.items()},
        }
    )


def write_baselines() -> None:
    BASELINES.mkdir(exist_ok=True)
    for name in RUNS:
        path = BASELINES / f"{name}.json"
        path.write_text(json.dumps(baseline_run(name), indent=2, sort_keys=True) + "\n")
        print(f"wrote {path}")


def _flatten(data: dict, prefix: str = "") -> dict[str, object]:
    flat = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


@pytest.mark.parametrize("name", list(RUNS))
def test_run_matches_checked_in_baseline(name):
    if os.environ.get("RECOVERY_SIM_REGENERATE_BASELINES"):
        write_baselines()
    path = BASELINES / f"{name}.json"
    assert path.exists(), f"no baseline {path}; create it with `{REGENERATE}`"
    expected = _flatten(json.loads(path.read_text()))
    got = _flatten(baseline_run(name))
    differences = []
    for key in sorted(set(expected) | set(got)):
        a, b = expected.get(key, "<missing>"), got.get(key, "<missing>")
        if isinstance(a, float) and isinstance(b, float):
            if math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE):
                continue
        elif a == b:
            continue
        differences.append(f"  {key}: baseline {a!r}, now {b!r}")
    assert not differences, (
        f"{name} no longer matches tests/baselines/{name}.json:\n"
        + "\n".join(differences[:20])
        + f"\nIf the model changed on purpose, regenerate with `{REGENERATE}` and commit."
    )


if __name__ == "__main__":
    write_baselines()
