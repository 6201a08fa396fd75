"""The lever table: each program lever's effect on 12-month relapse, its channel and evidence.

`docs/levers.md` holds the table between `<!-- levers:start -->` and `<!-- levers:end -->`.
Each row is a paired comparison (common random numbers) of community peer mentoring with one
lever changed, on 12-month relapse (`relapse_rate_365`, percentage points, mean and 95% interval
over replicates). Regenerate it after changing a mechanism (this runs the simulations):

    python -m simulation.docgen.levers --write docs/levers.md

`--population` and `--replicates` set the size (default 4,000 people, 8 replicates). The test
checks that the page lists exactly the levers below, with their channels and evidence, without
re-running the simulations.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulation.analysis.compare import paired_difference, run_all
from simulation.running.runner import replicate_seeds
from simulation.scenario.overrides import with_overrides
from simulation.scenario.schema import Scenario

START = "<!-- levers:start -->"
END = "<!-- levers:end -->"
COMMAND = "python -m simulation.docgen.levers --write docs/levers.md"
#: The design every lever is changed in: weekly community peer mentoring.
BASE: dict[str, Any] = {"mentoring.enabled": True}
HEADER = (
    "| lever (change from community mentoring) | 12-month relapse, points (95% CI) "
    "| channel | evidence for the size |\n|---|---|---|---|"
)


@dataclass(frozen=True)
class Lever:
    """One row of the table: a change to the base design and why it acts."""

    change: tuple[tuple[str, Any], ...]
    channel: str
    evidence: str

    @property
    def label(self) -> str:
        """The change as `key=value` pairs."""
        return ", ".join(f"`{k}={_text(v)}`" for k, v in self.change)


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


LEVERS: tuple[Lever, ...] = (
    Lever(
        (("mentoring.enabled", False),),
        "no program: every mentoring channel off (treatment as usual)",
        "Bernstein et al. 2005 (contact OR ~1.5, the calibration anchor)",
    ),
    Lever(
        (("mentoring.contacts_per_week", 0),),
        "mentors assigned, no contact: only network channels remain (mentors are people in recovery among participants' ties, and introduce mentees to others)",
        "assumption; Litt et al. 2009 (network support)",
    ),
    Lever(
        (("mentoring.contacts_per_week", 2),),
        "dose: more contact, more support, awareness of lapses and alliance growth",
        "Bernstein et al. 2005 via the fitted contact effects",
    ),
    Lever(
        (("training.empathic_listening", False),),
        "support quality, alliance growth, fewer ruptures",
        "assumption; Elliott et al. 2018 (empathy-outcome r = 0.28)",
    ),
    Lever(
        (("training.boundary_setting", False),),
        "over-involvement: burnout, boundary incidents, over-helping risk",
        "assumption; RTI 2024 / Bell et al. 2025 (burnout), Eddie et al. 2019",
    ),
    Lever(
        (("training.conflict_resolution", False),),
        "rupture repair: more failed matches and waits for a new mentor",
        "assumption; Eubanks et al. 2018 (rupture repair)",
    ),
    Lever(
        (("supervision.failing_alliance_threshold", 0.0),),
        "no rematching at review: weak pairs drift on until they break down",
        "assumption",
    ),
    Lever(
        (("supervision.enabled", False),),
        "no review, no burnout relief, no supervisor help with known lapses",
        "assumption; Bell et al. 2025",
    ),
    Lever(
        (("mentoring.matching", "same_substance"),),
        "starting alliance from shared substance",
        "assumption (peer similarity); Eddie et al. 2019",
    ),
    Lever(
        (("mentoring.matching", "composite"),),
        "starting alliance from every shared attribute",
        "Cabral & Smith 2011 (cultural match d = 0.32 on perceptions); assumptions",
    ),
    Lever(
        (("setting.self_guided_tool.enabled", True),),
        "self-guided app: hazard for users, check-ins tell the mentor of lapses",
        "assumption; Gustafson et al. 2014, Quanbeck et al. 2024",
    ),
    Lever(
        (("setting.kind", "hybrid"),),
        "digital check-ins add contact (weaker per contact), engagement by digital preference",
        "assumption; Bergman et al. 2018",
    ),
)


def lever_rows(population: int, replicates: int, seed: int = 0, workers: int | None = None) -> str:
    """The table, measured: one paired comparison per lever.

    Args:
        population: participants per run.
        replicates: paired replicates per lever.
        seed: master seed.
        workers: worker processes.

    Returns:
        The Markdown table.
    """
    base = with_overrides(Scenario(population={"size": population}), BASE)
    seeds = replicate_seeds(seed, replicates)
    designs = [base] + [with_overrides(base, dict(lever.change)) for lever in LEVERS]
    jobs = [(design, s) for design in designs for s in seeds]
    results = run_all(jobs, workers=workers)
    relapse = [
        [r.metrics["relapse_rate_365"] for r in results[i * replicates : (i + 1) * replicates]]
        for i in range(len(designs))
    ]
    lines = [HEADER]
    for i, lever in enumerate(LEVERS, start=1):
        diff = paired_difference(relapse[i], relapse[0])
        low, high = diff["ci95"] or (float("nan"), float("nan"))
        effect = f"{100 * diff['mean']:+.1f} ({100 * low:+.1f} to {100 * high:+.1f})"
        lines.append(f"| {lever.label} | {effect} | {lever.channel} | {lever.evidence} |")
    lines.append(
        f"\n_{population:,} people, {replicates} paired replicates, seed {seed}; "
        f"written by `{COMMAND}`._"
    )
    return "\n".join(lines)


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
    """`--write FILE` measures the levers and replaces the table; otherwise print it."""
    parser = argparse.ArgumentParser(prog="python -m simulation.docgen.levers", description=__doc__)
    parser.add_argument("--write", metavar="FILE", help="replace the lever table in FILE")
    parser.add_argument("--population", type=int, default=4000)
    parser.add_argument("--replicates", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    table = lever_rows(args.population, args.replicates, args.seed, args.workers)
    if not args.write:
        print(table)
        return 0
    path = Path(args.write)
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{START}\n{table}\n{END}{tail}", encoding="utf-8")
    print(f"wrote the lever table to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
