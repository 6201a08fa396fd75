"""What a comparison checks before it runs anything: scenarios, baseline and metric names."""

from __future__ import annotations

from collections.abc import Sequence

from simulation.analysis.derived_metrics import known_metrics
from simulation.analysis.metrics import LAPSE_FREE_DAYS
from simulation.errors import RecoverySimError
from simulation.scenario.schema import Scenario


class CompareError(RecoverySimError, ValueError):
    """A comparison cannot be made as asked (the message says why and what would work)."""


def check_metric(name: str, days: int) -> None:
    """Raise a CompareError if `name` is not a metric, or needs more days than the run has.

    Args:
        name: a metric name (e.g. from `--metric`).
        days: the scenarios' length.

    Raises:
        CompareError: the name is unknown or needs a longer run.
    """
    needed = {f"lapse_free_{d}": d for d in LAPSE_FREE_DAYS} | {"relapse_rate_365": 365}
    if name in needed and needed[name] > days:
        raise CompareError(
            f"metric {name} needs a run of at least {needed[name]} days, but the scenarios run "
            f"for {days} days (--days {days}). Raise --days to {needed[name]} or choose a metric "
            f"inside the run: {', '.join(known_metrics(days))}."
        )
    if name not in needed and name not in known_metrics(days):
        raise CompareError(
            f"metric {name!r} is not a metric recovery-sim reports. Choose one of: "
            f"{', '.join(known_metrics(days))} (plus any the model adds, such as cost_total)."
        )


def resolve_baseline(names: Sequence[str], baseline: str | None, files: Sequence[str] = ()) -> str:
    """The baseline scenario's name: the first unless `baseline` names one (by name or file).

    Args:
        names: the scenarios' names, in order.
        baseline: what `--baseline` says (a name, a file or its stem), or None.
        files: the scenarios' files, in the same order (may be shorter or empty).

    Returns:
        The baseline's name.

    Raises:
        CompareError: `baseline` names none of the scenarios.
    """
    if baseline is None:
        return names[0]
    for name, file in zip(names, [*files, *[""] * (len(names) - len(files))], strict=True):
        if baseline in (name, file) or (file and baseline == _stem(file)):
            return name
    raise CompareError(
        f"--baseline {baseline!r} is not one of the scenarios being compared. Name one of: "
        f"{', '.join(names)} (a scenario's name or its file)."
    )


def _stem(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".yaml").removesuffix(".yml")


def check_scenarios(scenarios: Sequence[Scenario]) -> None:
    """Raise a CompareError unless there are two or more distinct scenarios of equal length.

    Args:
        scenarios: the scenarios to compare.

    Raises:
        CompareError: fewer than two scenarios, a name used twice, or different lengths.
    """
    if len(scenarios) < 2:
        raise CompareError(
            "compare needs at least two scenarios (a baseline and one or more designs); got "
            f"{len(scenarios)}. To run one scenario on its own, use `recovery-sim run FILE`."
        )
    names = [s.name for s in scenarios]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise CompareError(
            f"two scenarios share the name {twice[0]!r}; results are keyed by name, so each "
            "scenario needs its own `name:` in its file."
        )
    days = {s.name: s.days for s in scenarios}
    if len(set(days.values())) > 1:
        listed = ", ".join(f"{n} {d} days" for n, d in days.items())
        raise CompareError(
            f"the scenarios run for different numbers of days ({listed}); a comparison needs "
            "the same follow-up. Give --days N to run them all for N days."
        )


#: At most this many differing keys are named in the refusal (the JSON has them all).
MAX_KEYS_NAMED = 6


def population_differences(
    scenarios: Sequence[Scenario], baseline: str
) -> dict[str, dict[str, list]]:
    """Each design's population and context keys that differ from the baseline's.

    Args:
        scenarios: the scenarios compared.
        baseline: the baseline's name.

    Returns:
        {design: {dotted key: [baseline's value, design's value]}}, only designs that differ.
    """
    from simulation.scenario.population_keys import differing_keys

    base = next(s for s in scenarios if s.name == baseline)
    found = {}
    for scenario in scenarios:
        if scenario.name != baseline:
            keys = differing_keys(base, scenario, "population")
            if keys:
                found[scenario.name] = {key: list(pair) for key, pair in keys.items()}
    return found


def check_same_population(differences: dict[str, dict[str, list]], baseline: str) -> None:
    """Raise a CompareError when a design serves another population than the baseline.

    Args:
        differences: what `population_differences` found.
        baseline: the baseline's name.

    Raises:
        CompareError: naming the differing population keys with both values, and the ways out.
    """
    if not differences:
        return
    design, keys = next(iter(differences.items()))
    named = "; ".join(
        f"{key} is {_short(a)} in {baseline} and {_short(b)} in {design}"
        for key, (a, b) in list(keys.items())[:MAX_KEYS_NAMED]
    )
    more = len(keys) - MAX_KEYS_NAMED
    named += f"; and {more} more population keys" if more > 0 else ""
    others = [n for n in differences if n != design]
    also = f" (so do {', '.join(others)})" if others else ""
    raise CompareError(
        f"{design} serves a different population from {baseline}{also}: {named}. A comparison "
        "holds the population fixed, or its differences are not the program's effect. Compare "
        f"the design with its own population without the program (`recovery-sim compare "
        f"{design}` alone, or --baseline counterfactual), or with usual care for that population "
        "(scenarios/populations/), or add --allow-different-populations to compare anyway "
        "(the results are then flagged as confounded)."
    )


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
