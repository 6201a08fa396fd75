"""Run the command line in-process, as the CLI tests do."""

from __future__ import annotations

from simulation.cli import main


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    """Call `recovery-sim ARGS` in-process; returns (exit code, stdout, stderr)."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out = capsys.readouterr()
    return code, out.out, out.err


#: Python source defining `own_peak_mb()`: the peak resident memory of the process that runs
#: it, in MB. A child cannot use `ru_maxrss` for this: Linux carries the parent's peak across
#: `exec` into it (a 10 MB child of an 800 MB process reports 789 MB), so a child of a long
#: test session would report the session's memory. VmHWM belongs to the child's own memory.
OWN_PEAK_MB = (
    "def own_peak_mb():\n"
    "    with open('/proc/self/status', encoding='ascii') as status:\n"
    "        for line in status:\n"
    "            if line.startswith('VmHWM:'):\n"
    "                return int(line.split()[1]) / 1024\n"
    "    import resource\n"
    "    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
)
