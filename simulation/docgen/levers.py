"""The lever page: each program lever's effect on 12-month relapse, its channel and evidence.

`docs/levers.md` holds, between `<!-- levers:start -->` and `<!-- levers:end -->`, a paragraph
comparing the program, the program without contact and without introductions with usual care,
and the table of levers (`simulation.docgen.lever_list`). Each number is a paired comparison
(common random numbers) on 12-month relapse (`relapse_rate_365`, percentage points, mean and
95% interval over replicates); nothing in the block is written by hand. Regenerate it after
changing a mechanism, a default or a lever (this runs the simulations):

    python -m simulation.docgen.levers --write docs/levers.md

`--population` and `--replicates` set the size (default 4,000 people, 8 replicates). The block
records a fingerprint of what it was made from: every schema default, the levers, and a small
probe run of each design; a test recomputes it, so the page fails its test when it goes stale.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from simulation.analysis.compare import paired_difference, run_all
from simulation.docgen.lever_list import BASE, LEVERS, SUMMARY, USUAL_CARE
from simulation.running.runner import replicate_seeds, simulate
from simulation.scenario.overrides import with_overrides
from simulation.scenario.schema import Scenario

__all__ = ["BASE", "COMMAND", "END", "LEVERS", "START", "fingerprint", "lever_block", "main"]

START = "<!-- levers:start -->"
END = "<!-- levers:end -->"
COMMAND = "python -m simulation.docgen.levers --write docs/levers.md"
HEADER = (
    "| lever (change from community mentoring) | 12-month relapse, points (95% CI) "
    "| channel | evidence for the size |\n|---|---|---|---|"
)
METRIC = "relapse_rate_365"
#: The probe run behind the fingerprint: small and short, but past every lever's day (the
#: program's end at day 180) so that each design's mechanisms run.
PROBE = {"population": 100, "days": 190, "seed": 0}
#: Significant digits of the probe's metrics that enter the fingerprint.
PROBE_DIGITS = 9


def designs(population: int) -> list[dict[str, Any]]:
    """Every distinct design the page measures, as overrides of the schema defaults.

    Args:
        population: participants per run.

    Returns:
        Override dicts, each once, in a fixed order (the base design first).
    """
    found: list[dict[str, Any]] = []

    def add(*parts: dict[str, Any]) -> None:
        merged = {"population.size": population, **BASE}
        for part in parts:
            merged.update(part)
        if merged not in found:
            found.append(merged)

    add()
    add(USUAL_CARE)
    for overrides in SUMMARY.values():
        add(overrides)
    for lever in LEVERS:
        add(dict(lever.context))
        add(dict(lever.context), dict(lever.change))
    return found


def _scenario(overrides: dict[str, Any]) -> Scenario:
    return with_overrides(Scenario(), overrides)


def _effect(changed: list[float], reference: list[float]) -> tuple[float, float, float]:
    diff = paired_difference(changed, reference)
    low, high = diff["ci95"] or (float("nan"), float("nan"))
    return 100 * diff["mean"], 100 * low, 100 * high


def _points(effect: tuple[float, float, float]) -> str:
    mean, low, high = effect
    return f"{mean:+.1f} ({low:+.1f} to {high:+.1f})"


def lever_block(population: int, replicates: int, seed: int = 0, workers: int | None = None) -> str:
    """The page's generated block, measured: opening paragraph, table and fingerprint.

    Args:
        population: participants per run.
        replicates: paired replicates per design.
        seed: master seed.
        workers: worker processes.

    Returns:
        The Markdown between the markers.
    """
    all_designs = designs(population)
    seeds = replicate_seeds(seed, replicates)
    jobs = [(_scenario(d), s) for d in all_designs for s in seeds]
    results = run_all(jobs, workers=workers)
    relapse = [
        [r.metrics[METRIC] for r in results[i * replicates : (i + 1) * replicates]]
        for i in range(len(all_designs))
    ]

    def measured(*parts: dict[str, Any]) -> list[float]:
        merged = {"population.size": population, **BASE}
        for part in parts:
            merged.update(part)
        return relapse[all_designs.index(merged)]

    usual = measured(USUAL_CARE)
    vs_usual = {name: _effect(measured(o), usual) for name, o in SUMMARY.items()}
    share = 100 * vs_usual["no_contact"][0] / vs_usual["program"][0]
    lines = [
        f"Measured for this page ({population:,} people, {replicates} paired replicates, seed "
        f"{seed}), against usual care (`mentoring.enabled=false`): the full program changes "
        f"12-month relapse by {_points(vs_usual['program'])} points; with mentors assigned but "
        f"no contact, by {_points(vs_usual['no_contact'])} points ({share:.0f}% of the "
        f"program's effect); with no contact and no introductions either, by "
        f"{_points(vs_usual['no_contact_no_introductions'])} points.",
        "",
        HEADER,
    ]
    for lever in LEVERS:
        effect = _effect(
            measured(dict(lever.context), dict(lever.change)), measured(dict(lever.context))
        )
        lines.append(f"| {lever.label} | {_points(effect)} | {lever.channel} | {lever.evidence} |")
    lines.append(
        f"\n_{population:,} people, {replicates} paired replicates, seed {seed}; written by "
        f"`{COMMAND}`; fingerprint `{fingerprint()}` (schema defaults, levers and a probe run "
        "of each design: a test recomputes it)._"
    )
    return "\n".join(lines)


def fingerprint() -> str:
    """A short hash of what the page is made from: defaults, levers, a probe run per design.

    Any change to a default, to the lever list, or to a mechanism that moves a design's numbers
    changes it (the probe runs are seeded, so the same code gives the same hash).

    Returns:
        Twelve hex digits.
    """
    probes = []
    for overrides in designs(PROBE["population"]):
        scenario = with_overrides(_scenario(overrides), {"days": PROBE["days"]})
        metrics = simulate(scenario, PROBE["seed"]).metrics
        probes.append({k: f"{v:.{PROBE_DIGITS}g}" for k, v in sorted(metrics.items())})
    content = {
        "defaults": Scenario().model_dump(mode="json"),
        "base": BASE,
        "levers": [
            [lever.label, lever.channel, lever.evidence, lever.change, lever.context]
            for lever in LEVERS
        ],
        "summary": SUMMARY,
        "probes": probes,
    }
    text = json.dumps(content, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def documented_fingerprint(text: str) -> str | None:
    """The fingerprint the page records (None if it records none).

    Args:
        text: the Markdown page.

    Returns:
        The twelve hex digits after `fingerprint` in the generated block.
    """
    body = text.split(START, 1)[1].split(END, 1)[0]
    marker = "fingerprint `"
    if marker not in body:
        return None
    return body.split(marker, 1)[1].split("`", 1)[0]


def documented_structure(text: str) -> list[tuple[str, str, str]]:
    """(lever, channel, evidence) of each row documented between the markers.

    Args:
        text: the Markdown page.

    Returns:
        One tuple per table row, in order (the measured column is left out).
    """
    body = text.split(START, 1)[1].split(END, 1)[0]
    rows = [line for line in body.splitlines() if line.startswith("| `")]
    cells = [[c.strip() for c in row.strip("|").split("|")] for row in rows]
    return [(c[0], c[2], c[3]) for c in cells]


def expected_structure() -> list[tuple[str, str, str]]:
    """(lever, channel, evidence) of each lever in `LEVERS`."""
    return [(lever.label, lever.channel, lever.evidence) for lever in LEVERS]


def main(argv: list[str] | None = None) -> int:
    """`--write FILE` measures the levers and replaces the block; otherwise print it."""
    parser = argparse.ArgumentParser(prog="python -m simulation.docgen.levers", description=__doc__)
    parser.add_argument("--write", metavar="FILE", help="replace the generated block in FILE")
    parser.add_argument("--population", type=int, default=4000)
    parser.add_argument("--replicates", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    block = lever_block(args.population, args.replicates, args.seed, args.workers)
    if not args.write:
        print(block)
        return 0
    path = Path(args.write)
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{START}\n{block}\n{END}{tail}", encoding="utf-8")
    print(f"wrote the lever page's measured block to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
