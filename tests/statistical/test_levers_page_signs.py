"""The lever page's large effects hold in a fresh run: same sign, other seeds (docs/levers.md).

The page's fingerprint test catches a stale page; this one checks its numbers against the model
itself: every lever whose documented effect is large (at least `LARGE` points, its interval
clear of zero) must show the same sign in a fresh, smaller, differently seeded paired run.
"""

from __future__ import annotations

import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from simulation.docgen import levers
from simulation.running.runner import replicate_seeds, simulate
from simulation.scenario.overrides import with_overrides
from simulation.scenario.schema import Scenario

PAGE = Path(__file__).resolve().parents[2] / "docs" / "levers.md"
LARGE = 2.5  # points of 12-month relapse
PEOPLE = 1500
REPLICATES = 3
EFFECT = re.compile(r" ([+-]\d+\.\d) \(([+-]\d+\.\d) to ([+-]\d+\.\d)\) ")


def _documented() -> list[tuple[float, float, float]]:
    body = PAGE.read_text(encoding="utf-8").split(levers.START)[1].split(levers.END)[0]
    rows = [line for line in body.splitlines() if line.startswith("| `")]
    return [tuple(map(float, EFFECT.fullmatch(r.strip("|").split("|")[1]).groups())) for r in rows]


@pytest.mark.slow
def test_large_documented_effects_keep_their_sign_in_a_fresh_run():
    documented = _documented()
    large = [
        (lever, mean)
        for lever, (mean, low, high) in zip(levers.LEVERS, documented, strict=True)
        if abs(mean) >= LARGE and (low > 0 or high < 0)
    ]
    assert len(large) >= 4, "the page should show several large effects"
    seeds = replicate_seeds(23, REPLICATES)
    base = {**levers.BASE, "population.size": PEOPLE}
    jobs = []
    for lever, _ in large:
        reference = with_overrides(Scenario(), {**base, **dict(lever.context)})
        changed = with_overrides(reference, dict(lever.change))
        jobs += [(reference, s) for s in seeds] + [(changed, s) for s in seeds]
    scenarios, job_seeds = [j[0] for j in jobs], [j[1] for j in jobs]
    with ProcessPoolExecutor(2) as pool:
        relapse = [r.metrics["relapse_rate_365"] for r in pool.map(simulate, scenarios, job_seeds)]
    wrong = []
    for i, (lever, mean) in enumerate(large):
        block = relapse[i * 2 * REPLICATES : (i + 1) * 2 * REPLICATES]
        fresh = 100 * np.mean(np.subtract(block[REPLICATES:], block[:REPLICATES]))
        if np.sign(fresh) != np.sign(mean):
            wrong.append(f"{lever.label}: page {mean:+.1f}, fresh run {fresh:+.1f}")
    assert not wrong, "\n".join(wrong)
