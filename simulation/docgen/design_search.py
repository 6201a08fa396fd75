"""The numbers of docs/design-search.md, written from the outputs of the page's own commands.

The page shows a design search, its check with `compare`, and scenario discovery over the
bundled experiment. Its tables and sentences with numbers sit between
`<!-- design-search:NAME:start -->` and `<!-- design-search:NAME:end -->` markers and are made
here from the commands' JSON, never typed by hand:

    python -m simulation.docgen.design_search --run --write docs/design-search.md

`--run` first runs the page's commands (`COMMANDS`, about 6 minutes on 2 cores) into
`--results` (default `results/`) and times them; without it the stored outputs are used.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from simulation.docgen.sections import GeneratedSection

COMMAND = "python -m simulation.docgen.design_search --run --write docs/design-search.md"
#: The page's commands (after `recovery-sim`), each writing into a folder of `--results`.
COMMANDS: dict[str, list[str]] = {
    "optimize": [
        *("optimize", "scenarios/community_peer_mentoring.yaml"),
        *("--budget-per-participant", "2000", "--trials", "30", "--population", "1000"),
        *("--replicates", "3", "--seed", "1", "--workers", "2", "--out", "{results}/best_2000"),
    ],
    "check": [
        *("compare", "scenarios/treatment_as_usual.yaml", "{results}/best_2000/best_design.yaml"),
        *("scenarios/community_peer_mentoring.yaml", "--replicates", "10", "--report"),
        *("--workers", "2", "--out", "{results}/check_2000"),
    ],
    "experiment": [
        *("experiment", "experiments/mentor_supply_lhs.yaml", "--workers", "2"),
        *("--out", "{results}/mentor_supply_lhs"),
    ],
    "discover": [
        *("discover", "{results}/mentor_supply_lhs", "--metric", "relapse_rate_365"),
        *("--above", "0.5", "--out", "{results}/discover_lhs"),
    ],
}
#: Where each command's JSON document is, under `--results`.
DOCUMENTS = {
    "optimize": "best_2000/optimize.json",
    "check": "check_2000/compare.json",
    "discover": "discover_lhs/discover.json",
}
TIMINGS = "design_search_timings.json"
AVERTED, COST = "relapses_averted_per_100", "cost_per_participant"
MATCHING = {
    "random": "at random",
    "same_substance": "by substance",
    "same_age_group": "by age group",
    "composite": "on a composite of substance, age and background",
}


def section(name: str) -> GeneratedSection:
    """The page's section `name` (its content is given to `replace`)."""
    start, end = f"<!-- design-search:{name}:start -->", f"<!-- design-search:{name}:end -->"
    return GeneratedSection(start, end, lambda: "", COMMAND)


def interval(stat: Mapping[str, Any], key: str = "ci95") -> str:
    """`12.3 (10.1 to 14.5)`, or the mean alone without an interval."""
    bounds = stat.get(key)
    text = f"{stat['mean']:.1f}"
    return text + (f" ({bounds[0]:.1f} to {bounds[1]:.1f})" if bounds else "")


def short_design(levers: Mapping[str, Any]) -> str:
    """A frontier row's design in a few words: setting, mentors, contact, extras."""
    parts = [
        str(levers.get("setting.kind", "")),
        f"{levers['mentoring.mentors_per_100_participants']:g} mentors per 100",
        f"{levers['mentoring.contacts_per_week']:.2g} contacts a week",
    ]
    if levers.get("meetings.enabled"):
        parts.append("meetings")
    if levers.get("stigma.campaign"):
        parts.append("campaign")
    return ", ".join(p for p in parts if p)


def long_design(levers: Mapping[str, Any]) -> str:
    """The best design's every lever, as a sentence."""
    modules = [
        name.replace("_", " ")
        for name in ("empathic_listening", "boundary_setting", "conflict_resolution")
        if levers.get(f"training.{name}")
    ]
    text = (
        f"a {levers['setting.kind']} program with "
        f"{levers['mentoring.mentors_per_100_participants']:g} mentors per 100 participants, "
        f"caseloads of up to {levers['mentoring.caseload_cap']}, "
        f"{levers['mentoring.contacts_per_week']:.2g} contacts a week, "
        f"{levers['training.hours']:g} hours of training"
        + (f" ({', '.join(modules)})" if modules else " without its modules")
        + f", supervision every {levers['supervision.review_interval_days']} days, mentees "
        f"matched {MATCHING.get(levers['mentoring.matching'], levers['mentoring.matching'])}, "
    )
    text += "mutual-help meetings" if levers.get("meetings.enabled") else "no mutual-help meetings"
    text += " and the anti-stigma campaign" if levers.get("stigma.campaign") else " and no campaign"
    return text


def render_optimize(doc: Mapping[str, Any], best_yaml: str) -> str:
    """The search's frontier table, its best design and what more money would buy."""
    lines = [
        f"What the command gave ({doc['trials']} designs, seed {doc['seed']}, uncertainty "
        f"`{doc['uncertainty']}`; the program-free population relapsed "
        f"{doc['baseline']['relapsed_per_100']:.1f} per 100 within the year). The frontier's "
        f"{len(doc['pareto'])} designs, cheapest first; the interval is the `ci95` of "
        f"`optimize.json`, the spread of the design's effect over its {doc['replicates']} "
        "replicates, each a posterior parameter draw (with few replicates, about their range):",
        "",
        "| frontier design | cost per participant | relapses averted per 100 (interval) |",
        "| --- | --- | --- |",
    ]
    best = doc["best"]
    for row in doc["pareto"]:
        bold = "**" if best and row["trial"] == best["trial"] else ""
        cells = [short_design(row["overrides"]), f"${row[COST]:,.0f}", interval(row[AVERTED])]
        lines.append("| " + " | ".join(f"{bold}{c}{bold}" for c in cells) + " |")
    if best is None:
        return "\n".join([*lines, "", "No design tried was within the budget."])
    stochastic = best[AVERTED].get("ci95_stochastic")
    lines += [
        "",
        f"The best design (trial {best['trial']}): {long_design(best['overrides'])}. "
        f"${best[COST]:,.0f} per participant, {best[AVERTED]['mean']:.1f} relapses averted per "
        "100"
        + (
            f"; the t-interval of that mean over the {doc['replicates']} replicates, "
            f"{stochastic[0]:.1f} to "
            f"{stochastic[1]:.1f} (`ci95_stochastic`), is wider still: three replicates pin "
            "down an average poorly, which is why the winner is checked below"
            if stochastic
            else ""
        )
        + ". Its `best_design.yaml`:",
        "",
        "```yaml",
        "\n".join(line for line in best_yaml.splitlines() if not line.startswith("#")).strip(),
        "```",
    ]
    over = [d for d in doc["all_designs"] if not d["within_budget"]]
    better = [d for d in over if d[AVERTED]["mean"] > best[AVERTED]["mean"]]
    if better:
        top = max(better, key=lambda d: d[AVERTED]["mean"])
        cheapest = min(better, key=lambda d: d[COST])
        lines += [
            "",
            f"Designs over the budget show what more money would buy: {len(better)} of the "
            f"{len(over)} tried above ${doc['budget_per_participant']:,.0f} averted more, from "
            f"{cheapest[AVERTED]['mean']:.1f} per 100 at ${cheapest[COST]:,.0f} "
            f"({short_design(cheapest['overrides'])}) to {top[AVERTED]['mean']:.1f} at "
            f"${top[COST]:,.0f} ({short_design(top['overrides'])}).",
        ]
    return "\n".join(lines)


def render_check(doc: Mapping[str, Any]) -> str:
    """The check of the best design by `compare` at full size."""
    base, size = doc["baseline"], doc["population"][doc["baseline"]]
    names = [n for n in doc["scenarios"] if n != base]
    rows = []
    for name in names:
        stat = doc["differences"][name][AVERTED]
        cost = doc["scenarios"][name][COST]["mean"]
        rows.append(
            f"| {name} | ${cost:,.0f} | {interval(stat)} | {interval(stat, 'ci95_stochastic')} |"
        )
    best = doc.get("probability_best", {}).get("relapsed_per_100", {}).get("designs", {})
    share = ", ".join(f"{n} {100 * p:.0f}%" for n, p in best.items() if p > 0)
    return "\n".join(
        [
            f"Done for the design above ({size:,} participants, {doc['replicates']} replicates, "
            f"seed {doc['seed']}, uncertainty `{doc['uncertainty']}`), against {base} (whose "
            f"12-month relapse was {doc['scenarios'][base]['relapsed_per_100']['mean']:.1f} "
            "per 100):",
            "",
            "| design | cost per participant | relapses averted per 100, total interval "
            "| run-to-run interval of the mean |",
            "| --- | --- | --- | --- |",
            *rows,
            "",
            f"Fewest relapses, in what share of the replicates (plausible worlds): {share}. The "
            f"total interval (`ci95`) is the spread over {doc['replicates']} posterior draws; "
            f"the run-to-run one (`ci95_stochastic`) is how precisely {doc['replicates']} "
            "replicates pin down the average.",
        ]
    )


def render_box(doc: Mapping[str, Any]) -> str:
    """The first box as `discover --json` prints it, its numbers rounded, in a JSON block."""
    if not doc["boxes"]:
        return "(no box found)"
    box = doc["boxes"][0]
    limits = {
        key: {"min": float(f"{lim['min']:.3g}"), "max": float(f"{lim['max']:.3g}")}
        for key, lim in box["limits"].items()
    }
    stats = {k: round(box[k], 3) for k in ("coverage", "density", "mass")}
    inner = json.dumps({"limits": limits, **stats, "points": box["points"]})
    return f'```json\n{{"boxes": [{inner[:-1]}, ...}}]}}\n```'


def render_discover(doc: Mapping[str, Any], search: Mapping[str, Any], check: Mapping) -> str:
    """The boxes in words, and where the best design stands against the first."""
    boxes = doc["boxes"]
    lines = [
        f"For the bundled experiment, {doc['cases_of_interest']} of the {doc['points']} designs "
        "leave more than one in two participants relapsed within the year (each design's mean "
        "over its replicates, each replicate a posterior draw)."
    ]
    for number, box in enumerate(boxes, 1):
        ranges = "; ".join(
            f"{key.split('.')[-1].replace('_', ' ')} {lim['min']:.3g} to {lim['max']:.3g}"
            for key, lim in box["limits"].items()
        )
        lines.append(
            f"Box {number}: **{ranges}** (coverage {box['coverage']:.2f}, density "
            f"{box['density']:.2f}, {box['points']} of the {doc['points']} designs)."
        )
    first = boxes[0]["limits"] if boxes else {}
    contact = first.get("mentoring.contacts_per_week")
    best = search.get("best")
    if contact and best:
        planned = best["overrides"]["mentoring.contacts_per_week"]
        name = f"{search['scenario']}_best_{search['budget_per_participant']:.0f}"
        checked = check["scenarios"].get(name)
        rate = checked["relapsed_per_100"]["mean"] if checked else None
        where = "inside" if contact["min"] <= planned <= contact["max"] else "outside"
        lines.append(
            f"The ${search['budget_per_participant']:,.0f} design above plans {planned:.2g} "
            f"contacts a week, {where} box 1's "
            "range"
            + (
                f"; yet in the check its own 12-month relapse was {rate:.1f} per 100"
                if rate is not None
                else ""
            )
            + f". The box holds the experiment's other levers at {held_fixed()}, so it says "
            "where *that* program fails, not the best design. To see where the best design "
            "itself stops working, run the same experiment with its `scenarios:` set to "
            "the search's `best_design.yaml`."
        )
    return "\n\n".join(lines)


def held_fixed() -> str:
    """What the bundled experiment keeps at its scenario's values, in words."""
    from simulation.scenario.files import load_scenario

    root = Path(__file__).resolve().parents[2]
    scenario = load_scenario(root / "scenarios" / "community_peer_mentoring.yaml")
    return (
        f"the bundled {scenario.name.replace('_', ' ')} scenario's values ({scenario.setting.kind} "
        f"setting, caseloads of up to {scenario.mentoring.caseload_cap}, "
        f"{scenario.training.hours:g} hours of training, "
        + ("mutual-help meetings, " if scenario.meetings.enabled else "no meetings, ")
        + ("the campaign" if scenario.stigma.campaign else "no campaign")
        + ")"
    )


def render_timings(timings: Mapping[str, float]) -> str:
    """How long each command took when the page's numbers were made."""
    if not timings:
        return "(not timed: run with --run)"
    parts = [f"`{name}` {seconds / 60:.1f} min" for name, seconds in timings.items()]
    return (
        "Measured when this page's numbers were made (2 cores shared with other work, "
        "`--workers 2`): " + ", ".join(parts) + "."
    )


def run_commands(results: Path) -> dict[str, float]:
    """Run the page's commands into `results`, returning each one's wall time (seconds).

    Raises:
        SystemExit: an output folder exists already (a resumed run would not time the work).
    """
    folders = [results / f for f in ("best_2000", "check_2000", "mentor_supply_lhs")]
    there = [str(f) for f in [*folders, results / "discover_lhs"] if f.exists()]
    if there:
        raise SystemExit(
            f"--run: {', '.join(there)} exist already; allowed: remove them, or another "
            "--results folder, so every command runs (and is timed) from the start."
        )
    timings = {}
    for name, argv in COMMANDS.items():
        args = [a.format(results=results) for a in argv]
        start = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "simulation", *args], check=True, stdout=subprocess.DEVNULL
        )
        timings[name] = round(time.monotonic() - start, 1)
    (results / TIMINGS).write_text(json.dumps(timings, indent=2), encoding="utf-8")
    return timings


def page_sections(results: Path) -> dict[str, str]:
    """Every generated section of the page, from the outputs in `results`."""
    docs = {k: json.loads((results / v).read_text(encoding="utf-8")) for k, v in DOCUMENTS.items()}
    best_yaml = (results / "best_2000" / "best_design.yaml").read_text(encoding="utf-8")
    timing_file = results / TIMINGS
    timings = json.loads(timing_file.read_text(encoding="utf-8")) if timing_file.exists() else {}
    return {
        "optimize": render_optimize(docs["optimize"], best_yaml),
        "check": render_check(docs["check"]),
        "box": render_box(docs["discover"]),
        "discover": render_discover(docs["discover"], docs["optimize"], docs["check"]),
        "timings": render_timings(timings),
    }


def main(argv: list[str] | None = None) -> int:
    """`[--run] [--results DIR] [--write FILE]`: (re)make the page's numbers."""
    parser = argparse.ArgumentParser(prog="python -m simulation.docgen.design_search")
    parser.add_argument("--run", action="store_true", help="run the page's commands first")
    parser.add_argument("--results", default="results", help="the commands' outputs [results]")
    parser.add_argument("--write", metavar="FILE", help="replace the sections in FILE")
    args = parser.parse_args(argv)
    results = Path(args.results)
    if args.run:
        run_commands(results)
    made = page_sections(results)
    if not args.write:
        print("\n\n".join(made.values()))
        return 0
    path = Path(args.write)
    text = path.read_text(encoding="utf-8")
    for name, content in made.items():
        text = section(name).replace(text, content)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {len(made)} sections to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
