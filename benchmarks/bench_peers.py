"""Whole-process speed and memory beside Starsim, the field's fast agent-based platform.

    .venv/bin/python benchmarks/bench_peers.py                       # 100,000 and 1,000,000
    .venv/bin/python benchmarks/bench_peers.py --sizes 10000 100000  # smaller, quicker
    .venv/bin/python benchmarks/bench_peers.py --repeats 3           # medians of 3 pairs

For each size it runs, each in a fresh process and one after the other (never side by side):

- ours: `recovery-sim run` of the bundled community mentoring design for 365 days, one
  replicate, one worker (the full model: every mechanism of the community design);
- Starsim 3.7.2: one SIS disease on a network of the same size for 365 daily steps (a
  Watts-Strogatz graph of 10 ties each up to 100,000 people, Starsim's `RandomNet` of 10
  contacts above, as networkx's generator is too slow to build a million-node graph).

Before timing, each tool runs once untimed at 1,000 people: both compile kernels with Numba on
first use and cache them, and the compiler is not what is being compared.

It prints wall-clock seconds and peak resident memory of each whole process (start-up, building
the population and network, the 365 days and the summary) and the ratio Starsim time / our time
(> 1: we are faster; issue 17's target is >= 1.5 at both sizes, with <= 1.5 GB at a million).
A shared machine's speed drifts by a third over minutes, so `--repeats N` runs N pairs per size,
each pair in the other order from the one before, and prints the medians with the range of the
pairs' ratios.

Starsim is never a project dependency: it is installed once into a virtual environment of its
own under the user's cache folder (`~/.cache/recovery-sim/starsim-3.7.2`, or
`$XDG_CACHE_HOME`), from the package registry. Both processes see one BLAS thread, so the
figures compare one core with one core.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "community_peer_mentoring.yaml"
STARSIM_VERSION = "3.7.2"
DAYS = 365
# Above this size networkx's Watts-Strogatz generator takes longer than Starsim's whole run.
WATTS_STROGATZ_UP_TO = 100_000
TARGET_RATIO = 1.5
TARGET_MEMORY_MB_AT_MILLION = 1536
# People in the untimed warm-up run of each tool.
WARM_UP_SIZE = 1000
ONE_CORE = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

STARSIM_SCRIPT = """
import sys
import starsim as ss

n, network = int(sys.argv[1]), sys.argv[2]
if network == "watts_strogatz":
    import networkx as nx
    net = ss.StaticNet(graph=nx.watts_strogatz_graph, k=10, p=0.1, seed=True)
else:
    net = ss.RandomNet(n_contacts=10)
sim = ss.Sim(n_agents=n, start="2000-01-01", stop="2000-12-31", dt=ss.days(1),
             diseases=ss.SIS(), networks=net, rand_seed=1, verbose=0)
sim.run()
assert len(sim.timevec) == {days} + 1
"""


def cache_folder() -> Path:
    """Where the Starsim environment is kept between runs."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "recovery-sim" / f"starsim-{STARSIM_VERSION}"


def starsim_python() -> Path:
    """The Python of Starsim's own environment, built on first use."""
    venv = cache_folder()
    python = venv / "bin" / "python"
    check = [
        str(python),
        "-c",
        f"import starsim; assert starsim.__version__ == '{STARSIM_VERSION}'",
    ]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python
    print(f"building Starsim {STARSIM_VERSION} in {venv} (once) ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", f"starsim=={STARSIM_VERSION}"], check=True
    )
    # Starsim rebuilds matplotlib's font cache on its first import; do it outside the timing.
    subprocess.run([*check[:2], "import starsim"], check=True, env=os.environ | ONE_CORE)
    return python


def timed_process(command: list[str]) -> dict:
    """Run one whole process; its wall seconds, peak resident memory (MB) and exit code."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, env=os.environ | ONE_CORE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    error = process.stderr.read().decode(errors="replace")[-2000:] if process.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{command[:3]} failed (exit {code}):\n{error}")
    return {"seconds": seconds, "peak_mb": usage.ru_maxrss / 1024}


def ours(size: int) -> dict:
    """Our whole `recovery-sim run` of community mentoring at `size` participants."""
    command = [sys.executable, "-m", "simulation", "run", str(SCENARIO), "--population"]
    return timed_process([*command, str(size), "--days", str(DAYS), "--workers", "1", "--json"])


def starsim(size: int, python: Path, script: Path) -> dict:
    """Starsim's whole SIS run at `size` agents."""
    network = "watts_strogatz" if size <= WATTS_STROGATZ_UP_TO else "random"
    return timed_process([str(python), str(script), str(size), network]) | {"network": network}


def paired_runs(size: int, repeats: int, python: Path, script: Path) -> dict:
    """`repeats` pairs of whole runs at `size`, each pair in the other order from the last.

    A shared machine's speed drifts over minutes, so each of our runs is compared with the
    Starsim run beside it; the row keeps the medians and every pair's ratio.
    """
    pairs = []
    for repeat in range(repeats):
        if repeat % 2 == 0:
            theirs, mine = starsim(size, python, script), ours(size)
        else:
            mine, theirs = ours(size), starsim(size, python, script)
        pairs.append((mine, theirs))
    ratios = [theirs["seconds"] / mine["seconds"] for mine, theirs in pairs]
    return {
        "participants": size,
        "ours_s": statistics.median(mine["seconds"] for mine, _ in pairs),
        "ours_peak_mb": max(mine["peak_mb"] for mine, _ in pairs),
        "starsim_s": statistics.median(theirs["seconds"] for _, theirs in pairs),
        "starsim_peak_mb": max(theirs["peak_mb"] for _, theirs in pairs),
        "starsim_network": pairs[0][1]["network"],
        "ratio": statistics.median(ratios),
        "pair_ratios": ratios,
    }


def _spread(ratios: list[float]) -> str:
    """The range of the pairs' ratios, when there is more than one pair."""
    return f"; [{min(ratios):.2f}-{max(ratios):.2f}]" if len(ratios) > 1 else ""


def main() -> None:
    """Measure each size and print the table (and `--json` for a machine-readable copy)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument(
        "--repeats",
        type=int,
        default=1,
        help="pairs of runs per size, in alternating order; the table shows medians",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error(f"--repeats must be 1 or more, not {args.repeats}")

    python = starsim_python()
    cores = len(os.sched_getaffinity(0))
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "starsim_sis.py"
        script.write_text(STARSIM_SCRIPT.format(days=DAYS))
        # Both use Numba, which compiles on first use after an install and caches: one small,
        # untimed run of each first, so neither is timed compiling.
        starsim(WARM_UP_SIZE, python, script)
        ours(WARM_UP_SIZE)
        for size in args.sizes:
            rows.append(paired_runs(size, args.repeats, python, script))
    if args.json:
        print(json.dumps({"cores": cores, "days": DAYS, "rows": rows}, indent=2))
        return
    print(f"{DAYS} days, whole processes, one BLAS thread each; {cores} cores visible")
    print(f"{'people':>10} {'ours s':>8} {'ours MB':>8} {'Starsim s':>10} {'MB':>6}  ratio")
    for row in rows:
        print(
            f"{row['participants']:>10,} {row['ours_s']:>8.1f} {row['ours_peak_mb']:>8.0f} "
            f"{row['starsim_s']:>10.1f} {row['starsim_peak_mb']:>6.0f}  {row['ratio']:.2f}"
            f"  ({row['starsim_network']}{_spread(row['pair_ratios'])})"
        )
    if args.repeats > 1:
        print(
            f"medians of {args.repeats} pairs run in alternating order; [range of the pairs' ratios]"
        )
    print(f"target: ratio >= {TARGET_RATIO} at every size; <= {TARGET_MEMORY_MB_AT_MILLION} MB")
    if len(rows) > 1:
        first = min(rows, key=lambda row: row["participants"])
        last = max(rows, key=lambda row: row["participants"])
        growth = (last["ours_s"] / first["ours_s"]) / (last["participants"] / first["participants"])
        print(f"our cost per person grows x{growth:.2f} from the smallest to the largest size")


if __name__ == "__main__":
    main()
