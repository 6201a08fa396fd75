"""Benchmark: agent-days per second of the daily step and peak memory, by population size.

Run with `make bench` (or `.venv/bin/python benchmarks/bench_model.py`). Prints figures; it is not
a timed test. Each size runs in a fresh subprocess so its peak memory (ru_maxrss) is its own.

    python benchmarks/bench_model.py                    # the full table (10k, 100k, 1M people) and scaling
    python benchmarks/bench_model.py --sizes 1000 10000 --days 100
    python benchmarks/bench_model.py --profile 100000   # cProfile of the step loop, top functions

Agent-days count either the participants (the cohort) or every row the step updates
(participants + mentors + community members); both are printed.
Targets (issue 2): >= 5 M agent-days/s at 100,000 people on one core; a whole
`recovery-sim run` of community_peer_mentoring at 100,000 people x 365 days in about 10 s;
peak memory under 2 GB. Issue 17: building the population and network <= 10% of a 365-day
run; step cost linear in the population (10x people <= 11x time); <= 1.5 GB at a million; the
whole-process race against Starsim is benchmarks/bench_peers.py.

Compiled kernels are loaded (or, the first time after an install, compiled) by an untimed
warm-up run before anything is measured.
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import json
import os
import pstats
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "community_peer_mentoring.yaml"
# The core model alone (no program mechanisms active): what the foundation's targets were set on.
CORE_SCENARIO = ROOT / "scenarios" / "treatment_as_usual.yaml"
TARGET_RATE = 5e6
TARGET_RUN_SECONDS = 10.0
TARGET_MEMORY_MB = 2048
# Issue 17: building the population and network is at most this share of a 365-day run; the
# step's cost grows at most this much faster than the population; peak memory at a million.
TARGET_STARTUP_SHARE = 0.10
TARGET_SCALING_SLACK = 1.1
TARGET_MEMORY_MB_AT_MILLION = 1536
# Days of the untimed warm-up run: past the first weekly network upkeep (day 7) and a
# supervision review, so every kernel of the community design has been called once.
WARM_UP_DAYS = 30
# One core: BLAS threads would otherwise count as extra cores.
ONE_CORE = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def peak_memory_mb() -> float:
    """Peak resident memory of this process (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_model(size: int, days: int, scenario_file: Path = SCENARIO) -> dict:
    """Build and step the model once; runs inside a fresh subprocess."""
    from simulation.model.model import RecoveryCommunityModel
    from simulation.scenario.files import load_scenario

    warm_up_kernels(scenario_file)
    scenario = load_scenario(scenario_file, [f"population.size={size}", f"days={days}"])
    start, start_cpu = time.perf_counter(), time.process_time()
    model = RecoveryCommunityModel(scenario, seed=1)
    built, built_cpu = time.perf_counter(), time.process_time()
    for _ in range(days):
        model.step()
    stepped, stepped_cpu = time.perf_counter(), time.process_time()
    rows = model.people.size
    # CPU time of this process: what one core delivers, less distorted by a busy machine.
    step_seconds = stepped_cpu - built_cpu
    return {
        "participants": size,
        "rows": rows,
        "days": days,
        "build_s": built - start,
        "build_cpu_s": built_cpu - start_cpu,
        "step_wall_s": stepped - built,
        "step_s": step_seconds,
        "participant_days_per_s": size * days / step_seconds,
        "agent_days_per_s": rows * days / step_seconds,
        "ms_per_day": 1000 * step_seconds / days,
        "peak_mb": peak_memory_mb(),
    }


def warm_up_kernels(scenario_file: Path = SCENARIO) -> None:
    """A few days of a small run, so compiled kernels are loaded (or compiled once) untimed.

    Numba compiles each kernel on its first call and caches it on disk; a later process only
    loads it. Timing the first call would measure the compiler, not the model.
    """
    from simulation.model.model import RecoveryCommunityModel
    from simulation.scenario.files import load_scenario

    small = load_scenario(scenario_file, ["population.size=500", f"days={WARM_UP_DAYS}"])
    RecoveryCommunityModel(small, seed=2).run()


def measure_mesa_baseline(size: int, days: int) -> dict:
    """An idiomatic Mesa model: one Python call per agent per day, `shuffle_do("step")`.

    A minimal relapse-on-a-network model of the same size class: each person in recovery lapses
    with a hazard that falls with days abstinent and rises with neighbours who use; a lapse
    becomes a relapse or is caught; people using start again at a rate.
    """
    import math

    import mesa
    import networkx as nx
    from mesa.discrete_space import CellAgent, Network

    class Person(CellAgent):
        def __init__(self, model, cell):
            super().__init__(model)
            self.cell = cell
            self.status = "recovering"
            self.days_abstinent = 0

        def step(self):
            rng = self.model.random
            if self.status == "lapsed":
                self.status = "using" if rng.random() < 0.25 else "recovering"
            elif self.status == "using":
                if rng.random() < 0.0044:
                    self.status, self.days_abstinent = "recovering", 0
                return
            using = sum(1 for a in self.cell.neighborhood.agents if a.status != "recovering")
            hazard = (0.026 / (1 + (self.days_abstinent / 15) ** 1.2) + 0.0008) * 1.18 ** min(
                using, 5
            )
            if rng.random() < 1 - math.exp(-hazard):
                self.status = "lapsed"
            else:
                self.days_abstinent += 1

    class RelapseModel(mesa.Model):
        def __init__(self, n, seed):
            super().__init__(seed=seed)
            graph = nx.watts_strogatz_graph(n, 6, 0.1, seed=seed)
            self.grid = Network(graph, random=self.random)
            for cell in self.grid.all_cells:
                Person(self, cell)

        def step(self):
            self.agents.shuffle_do("step")

    start = time.perf_counter()
    model = RelapseModel(size, seed=1)
    built, built_cpu = time.perf_counter(), time.process_time()
    for _ in range(days):
        model.step()
    step_seconds = time.process_time() - built_cpu
    return {
        "participants": size,
        "rows": size,
        "days": days,
        "build_s": built - start,
        "step_wall_s": time.perf_counter() - built,
        "step_s": step_seconds,
        "agent_days_per_s": size * days / step_seconds,
        "ms_per_day": 1000 * step_seconds / days,
        "peak_mb": peak_memory_mb(),
    }


def in_subprocess(kind: str, size: int, days: int) -> dict:
    from simulation.running import memory_pages

    env = {**os.environ, **ONE_CORE}
    # The memory settings `recovery-sim` runs with (glibc's reach the child through env).
    memory_pages.avoid_compaction_stalls(env)
    memory_pages.reuse_freed_memory(env, this_process=False)
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(size), str(days)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def time_cli_run(size: int, scenario_file: Path = SCENARIO) -> float:
    """Wall time of a whole `recovery-sim run` (interpreter start to JSON out), one replicate."""
    command = [
        str(Path(sys.executable).with_name("recovery-sim")),
        "run",
        str(scenario_file),
        "--population",
        str(size),
        "--replicates",
        "1",
        "--json",
    ]
    start = time.perf_counter()
    subprocess.run(command, capture_output=True, check=True, env={**os.environ, **ONE_CORE})
    return time.perf_counter() - start


def profile(size: int, days: int, top: int = 25) -> None:
    """Where the step loop spends its time (cProfile, sorted by cumulative then own time)."""
    from simulation.model.model import RecoveryCommunityModel
    from simulation.scenario.files import load_scenario

    warm_up_kernels()
    model = RecoveryCommunityModel(
        load_scenario(SCENARIO, [f"population.size={size}", f"days={days}"]), seed=1
    )
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(days):
        model.step()
    profiler.disable()
    stats = pstats.Stats(profiler)
    print("-- by cumulative time, simulation code only --")
    stats.sort_stats("cumtime").print_stats("simulation/", top)
    print("-- by own time --")
    stats.sort_stats("tottime").print_stats(top)


def startup_share(r: dict) -> float:
    """Building's share of the whole: build CPU / (build CPU + step CPU)."""
    return r["build_cpu_s"] / (r["build_cpu_s"] + r["step_s"])


def _m(x: float) -> str:
    return f"{x / 1e6:.1f} M"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--mesa-size", type=int, default=10_000)
    parser.add_argument("--mesa-days", type=int, default=30)
    parser.add_argument("--no-cli", action="store_true", help="skip the whole-run timing")
    parser.add_argument("--profile", type=int, metavar="SIZE", help="profile the step loop")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        kind, size, days = args.child[0], int(args.child[1]), int(args.child[2])
        if kind == "core":
            print(json.dumps(measure_model(size, days, CORE_SCENARIO)))
        else:
            measure = measure_model if kind == "model" else measure_mesa_baseline
            print(json.dumps(measure(size, days)))
        return
    if args.profile:
        profile(args.profile, args.days)
        return

    print(f"recovery-sim step loop: {SCENARIO.name}, {args.days} days, one core, seed 1")
    print("(rates use the process's CPU time of the step loop; wall time shown beside it;")
    print(" build = building the population, network and agents)")
    header = (
        f"{'participants':>12} {'all rows':>9} {'build s':>8} {'build cpu s':>11} {'step cpu s':>10} {'wall s':>7} "
        f"{'ms/day':>7} {'start-up':>8} "
        f"{'participant-days/s':>19} {'agent-days/s (all rows)':>24} {'peak MB':>8}"
    )
    print(header)
    print("-" * len(header))
    results = {}
    for size in args.sizes:
        r = in_subprocess("model", size, args.days)
        results[size] = r
        print(
            f"{size:>12,} {r['rows']:>9,} {r['build_s']:>8.2f} {r['build_cpu_s']:>11.2f} "
            f"{r['step_s']:>10.2f} "
            f"{r['step_wall_s']:>7.2f} {r['ms_per_day']:>7.2f} {startup_share(r):>8.1%} "
            f"{_m(r['participant_days_per_s']):>19} "
            f"{_m(r['agent_days_per_s']):>24} {r['peak_mb']:>8.0f}"
        )

    sizes = sorted(results)
    for small, large in itertools.pairwise(sizes):
        growth = results[large]["step_s"] / results[small]["step_s"]
        print(
            f"scaling {small:,} -> {large:,} participants (x{large / small:.0f}): step time "
            f"x{growth:.1f} (linear: x{large / small:.0f}; issue 17 allows x{1.1 * large / small:.0f})"
        )

    mesa = in_subprocess("mesa", args.mesa_size, args.mesa_days)
    print()
    print(
        f"idiomatic Mesa (one call per agent, shuffle_do), {args.mesa_size:,} people x "
        f"{args.mesa_days} days: {mesa['step_s']:.2f} s, {_m(mesa['agent_days_per_s'])} "
        f"agent-days/s, {mesa['ms_per_day']:.1f} ms/day, peak {mesa['peak_mb']:.0f} MB"
    )
    same = results.get(args.mesa_size) or in_subprocess("model", args.mesa_size, args.mesa_days)
    ratio = same["agent_days_per_s"] / mesa["agent_days_per_s"]
    print(
        f"recovery-sim at {args.mesa_size:,} participants ({same['rows']:,} rows): "
        f"{_m(same['agent_days_per_s'])} agent-days/s -> {ratio:.0f}x the idiomatic model "
        f"(per participant-day: {same['participant_days_per_s'] / mesa['agent_days_per_s']:.0f}x)"
    )

    cli_seconds = None
    if not args.no_cli and max(args.sizes) >= 100_000:
        cli_seconds = time_cli_run(100_000)
        print(
            f"\nwhole run: recovery-sim run {SCENARIO.relative_to(ROOT)} --population 100000 "
            f"--replicates 1 --json: {cli_seconds:.1f} s"
        )

    core = core_seconds = None
    if max(args.sizes) >= 100_000:
        core = in_subprocess("core", 100_000, args.days)
        print(
            f"\ncore model ({CORE_SCENARIO.name}: no program mechanisms active), 100,000 "
            f"participants ({core['rows']:,} rows): {core['ms_per_day']:.1f} ms/day, "
            f"{_m(core['agent_days_per_s'])} agent-days/s, peak {core['peak_mb']:.0f} MB"
        )
        if not args.no_cli:
            core_seconds = time_cli_run(100_000, CORE_SCENARIO)
            print(f"whole run of {CORE_SCENARIO.name} at 100,000: {core_seconds:.1f} s")

    print("\ntargets (issue 17):")
    for size in sizes:
        share = startup_share(results[size])
        verdict = "met" if share <= TARGET_STARTUP_SHARE else "MISSED"
        print(
            f"  start-up <= {TARGET_STARTUP_SHARE:.0%} of a 365-day run at {size:,}: {share:.1%}"
            f" -> {verdict if args.days == 365 else f'not judged ({args.days} days)'}"
        )
    for small, large in itertools.pairwise(sizes):
        growth = results[large]["step_s"] / results[small]["step_s"]
        allowed = TARGET_SCALING_SLACK * large / small
        print(
            f"  cost linear {small:,} -> {large:,}: x{growth:.1f} (<= x{allowed:.0f}) -> "
            f"{'met' if growth <= allowed else 'MISSED'}"
        )
    if 1_000_000 in results:
        peak = results[1_000_000]["peak_mb"]
        ok = peak <= TARGET_MEMORY_MB_AT_MILLION
        print(
            f"  peak memory at 1,000,000 <= {TARGET_MEMORY_MB_AT_MILLION} MB: {peak:.0f} MB -> "
            f"{'met' if ok else 'MISSED'}"
        )
    print("  speed beside Starsim: benchmarks/bench_peers.py")

    print("\ntargets (issue 2):")
    if core:
        ok = core["agent_days_per_s"] >= TARGET_RATE
        print(
            f"  core step loop >= {_m(TARGET_RATE)} agent-days/s at 100,000: "
            f"{_m(core['agent_days_per_s'])} -> {'met' if ok else 'MISSED'}"
        )
    if core_seconds is not None:
        ok = core_seconds <= TARGET_RUN_SECONDS * 1.2
        print(
            f"  core whole run ~{TARGET_RUN_SECONDS:.0f} s: {core_seconds:.1f} s -> "
            f"{'met' if ok else 'MISSED'}"
        )
    big = results.get(100_000)
    if big:
        ok = big["agent_days_per_s"] >= TARGET_RATE
        print(
            f"  with the program ({SCENARIO.name}) >= {_m(TARGET_RATE)} agent-days/s at 100,000: "
            f"{_m(big['agent_days_per_s'])} all rows, {_m(big['participant_days_per_s'])} "
            f"participants -> {'met' if ok else 'MISSED'}"
        )
        ok = big["peak_mb"] < TARGET_MEMORY_MB
        print(
            f"  peak memory < {TARGET_MEMORY_MB} MB: {big['peak_mb']:.0f} MB -> "
            f"{'met' if ok else 'MISSED'}"
        )
    if cli_seconds is not None:
        ok = cli_seconds <= TARGET_RUN_SECONDS * 1.2
        print(
            f"  whole run of {SCENARIO.name} ~{TARGET_RUN_SECONDS:.0f} s: {cli_seconds:.1f} s -> "
            f"{'met' if ok else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
