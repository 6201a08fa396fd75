"""Parameter uncertainty in runs: one posterior draw per replicate, laid over the scenario.

Each replicate runs one parameter set of the calibrated posterior ensemble
(`simulation.calibration.posterior.load_posterior`: one row a draw, one column a dotted scenario
key). The draw is chosen from the replicate's seed (`seeds.draw_index`), so every design of a
replicate runs the same draw — common random numbers for the parameters as well as for the
daily chances — and the same scenario and seed give the same numbers on every executor.

A draw is a set of overrides on the scenario's values, except for the keys the scenario pins:
keys its file or `--set` states, and keys whose value differs from the schema's default (how a
scenario built in Python says it means a value). A pinned key keeps the scenario's value, and
the comparison document lists it.

`uncertainty="stochastic"` runs the scenario as written: run-to-run variation only, the model
checking mode and the numbers recovery-sim gave before the posterior existed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from simulation.errors import RecoverySimError
from simulation.running.seeds import draw_index
from simulation.scenario.files import find_scenario, resolve_file
from simulation.scenario.overrides import parse_override, with_overrides
from simulation.scenario.schema import Scenario

#: Each replicate runs a posterior draw and its own seed: the default.
PARAMETERS_AND_STOCHASTIC = "parameters+stochastic"
#: The scenario as written, run-to-run variation only (model checking; the numbers of old).
STOCHASTIC = "stochastic"
UNCERTAINTIES = (PARAMETERS_AND_STOCHASTIC, STOCHASTIC)
#: How the document names the source of overrides that come from a draw.
DRAW_SOURCE = "posterior draw"

_DEFAULTS = Scenario().model_dump()


def check_uncertainty(value: str, source: str = "uncertainty") -> str:
    """The uncertainty mode asked for, or a RecoverySimError naming what is allowed.

    Args:
        value: "parameters+stochastic" or "stochastic".
        source: how the error names the argument (e.g. "--uncertainty").

    Returns:
        The value.

    Raises:
        RecoverySimError: any other value.
    """
    if value not in UNCERTAINTIES:
        raise RecoverySimError(
            f"{source} = {str(value)[:200]!r} is not allowed; allowed: "
            + " or ".join(UNCERTAINTIES)
            + " (parameter uncertainty from the calibrated posterior plus run-to-run variation,"
            " or run-to-run variation only)."
        )
    return value


def default_posterior() -> pd.DataFrame:
    """The posterior ensemble that ships with recovery-sim.

    Returns:
        One row per draw, one column per calibrated parameter (dotted scenario keys).

    Raises:
        RecoverySimError: no posterior is installed (then only "stochastic" can run).
    """
    try:
        from simulation.calibration.posterior import load_posterior
    except ImportError:
        raise RecoverySimError(
            "No calibrated posterior ensemble is installed, so parameter uncertainty cannot be "
            "drawn; run with --uncertainty stochastic (run-to-run variation only)."
        ) from None
    try:
        return load_posterior()
    except RecoverySimError as exc:  # a missing or damaged ensemble file
        raise RecoverySimError(
            f"{exc} Without it, run with --uncertainty stochastic (run-to-run variation only)."
        ) from None


def posterior_identity(posterior: pd.DataFrame) -> dict[str, Any]:
    """What identifies an ensemble: its size and a SHA-256 of its labels, keys and values.

    Args:
        posterior: one row per draw, one column per dotted scenario key.

    Returns:
        `{"draws": n, "sha256": hex}`; any change of a value, key or label changes the hash.
    """
    text = posterior.to_csv(lineterminator="\n")  # floats as repr: exact
    return {"draws": len(posterior), "sha256": hashlib.sha256(text.encode()).hexdigest()}


def check_posterior(posterior: pd.DataFrame) -> pd.DataFrame:
    """The posterior, checked: at least one draw, every column a scenario key with numbers.

    Args:
        posterior: one row per draw, one column per dotted scenario key.

    Returns:
        The posterior with float columns.

    Raises:
        RecoverySimError: empty, a column that is not a scenario key, or a value that is not a
            finite number.
    """
    if not isinstance(posterior, pd.DataFrame) or posterior.empty:
        raise RecoverySimError(
            "posterior: needs at least one draw (a DataFrame, one row a draw, one column a "
            "dotted scenario key)."
        )
    try:
        values = posterior.astype(float)
    except (TypeError, ValueError):
        raise RecoverySimError("posterior: every value must be a number.") from None
    if not values.notna().all().all():
        raise RecoverySimError("posterior: a draw has a missing value (NaN).")
    for key in values.columns:
        scenario_value(_DEFAULTS, str(key))  # raises for a key the schema does not have
    return values


def scenario_value(scenario: Scenario | Mapping[str, Any], key: str) -> Any:
    """The value of a dotted key in a scenario (or its `model_dump()`).

    Args:
        scenario: the scenario, or a nested mapping of its values.
        key: e.g. "relapse.alcohol.hazard_shape".

    Returns:
        The value.

    Raises:
        RecoverySimError: the key is not in the scenario.

    Example:
        >>> scenario_value(Scenario(), "mentoring.caseload_cap")
        5
    """
    data: Any = scenario.model_dump() if isinstance(scenario, Scenario) else scenario
    for part in key.split("."):
        if not isinstance(data, Mapping) or part not in data:
            raise RecoverySimError(
                f"posterior: column {key[:200]!r} is not a scenario key (a dotted key as "
                "--set accepts, e.g. relapse.alcohol.hazard_shape)."
            )
        data = data[part]
    return data


def pinned_keys(scenario: Scenario, keys: Iterable[str], stated: Iterable[str] = ()) -> list[str]:
    """The posterior's keys a scenario fixes: stated in its file or `--set`, or not the default.

    Args:
        scenario: the scenario.
        keys: the posterior's columns.
        stated: dotted keys its file or overrides state (a section pins every key below it).

    Returns:
        The pinned keys, in the posterior's order.

    Example:
        >>> s = Scenario(relapse={"frailty_variance": 0.9})
        >>> pinned_keys(s, ["relapse.frailty_variance", "relapse.post_lapse_rate_per_day"])
        ['relapse.frailty_variance']
    """
    data, stated = scenario.model_dump(), list(stated)
    return [
        key
        for key in keys
        if any(key == s or key.startswith(s + ".") for s in stated)
        or scenario_value(data, key) != scenario_value(_DEFAULTS, key)
    ]


def stated_keys(mapping: Mapping[str, Any], prefix: str = "") -> list[str]:
    """The dotted keys of every value a (nested) scenario mapping states.

    Args:
        mapping: a scenario file's mapping after `extends:`, or a dict of overrides.
        prefix: the section the mapping sits in.

    Returns:
        Dotted leaf keys.

    Example:
        >>> stated_keys({"relapse": {"alcohol": {"hazard_shape": 1.2}}, "days": 30})
        ['relapse.alcohol.hazard_shape', 'days']
    """
    keys = []
    for key, value in mapping.items():
        dotted = f"{prefix}{str(key).replace('__', '.')}"
        if isinstance(value, Mapping) and value:
            keys += stated_keys(value, dotted + ".")
        else:
            keys.append(dotted)
    return keys


def file_stated_keys(path: str | Path, overrides: Iterable[str] = ()) -> list[str]:
    """The dotted keys a scenario file (after `extends:`) and its `--set` overrides state.

    Args:
        path: the scenario file or a bundled scenario's name.
        overrides: "key=value" strings.

    Returns:
        Dotted keys; a key that names a section stands for everything below it.
    """
    data = resolve_file(find_scenario(Path(path)))
    keys = stated_keys(data)
    return keys + [parse_override(text)[0].replace("__", ".") for text in overrides]


@dataclass
class ParameterDraws:
    """The posterior draw each replicate runs, and the keys each scenario pins.

    Attributes:
        posterior: the ensemble (one row a draw).
        positions: per replicate, the position of its draw in `posterior`.
        pinned: per scenario name, the posterior's keys it keeps at its own value.
    """

    posterior: pd.DataFrame
    positions: list[int]
    pinned: dict[str, list[str]] = field(default_factory=dict)

    def values(self, replicate: int) -> dict[str, float]:
        """The parameter values of a replicate's draw.

        Args:
            replicate: the replicate's number.

        Returns:
            Dotted key -> value.
        """
        row = self.posterior.iloc[self.positions[replicate]]
        return {str(k): float(v) for k, v in row.items()}

    def label(self, replicate: int) -> Any:
        """The posterior's label (index value) of a replicate's draw, as a plain value.

        Args:
            replicate: the replicate's number.

        Returns:
            The label (an int for the shipped posterior).
        """
        value = self.posterior.index[self.positions[replicate]]
        return value.item() if hasattr(value, "item") else value

    def scenario(self, scenario: Scenario, replicate: int) -> Scenario:
        """The scenario a replicate runs: its draw laid over the scenario's unpinned keys.

        Args:
            scenario: the scenario as written.
            replicate: the replicate's number.

        Returns:
            The scenario with the draw's values (same name).
        """
        pinned = set(self.pinned.get(scenario.name, ()))
        draw = {k: v for k, v in self.values(replicate).items() if k not in pinned}
        return with_overrides(scenario, draw, DRAW_SOURCE) if draw else scenario

    def table(self) -> pd.DataFrame:
        """The parameter values each replicate ran, one row per replicate (for the tornado).

        Returns:
            Rows in replicate order, the posterior's columns.
        """
        return self.posterior.iloc[self.positions].reset_index(drop=True)

    def describe(self) -> dict:
        """What the comparison document says about the draws.

        Returns:
            The posterior's size and keys, each replicate's draw, and the pinned keys.
        """
        return {
            "posterior_draws": len(self.posterior),
            "parameters": [str(c) for c in self.posterior.columns],
            "replicate_draws": [self.label(i) for i in range(len(self.positions))],
            "pinned": self.pinned,
            "note": "each replicate ran one posterior draw, the same for every design; a key "
            "a scenario's file or --set states (or sets away from its default) kept the "
            "scenario's value and is listed under pinned",
        }


def plan_draws(
    scenarios: Sequence[Scenario],
    replicate_seeds: Sequence[int],
    posterior: pd.DataFrame,
    stated: Mapping[str, Iterable[str]] | None = None,
) -> ParameterDraws:
    """Choose each replicate's draw from its seed and find each scenario's pinned keys.

    Args:
        scenarios: the scenarios that will run.
        replicate_seeds: one seed per replicate (the shared, common-random-numbers seeds).
        posterior: the ensemble.
        stated: per scenario name, the dotted keys its file and overrides state.

    Returns:
        The plan.
    """
    posterior = check_posterior(posterior)
    keys = [str(c) for c in posterior.columns]
    stated = stated or {}
    return ParameterDraws(
        posterior,
        [draw_index(seed, len(posterior)) for seed in replicate_seeds],
        {s.name: pinned_keys(s, keys, stated.get(s.name, ())) for s in scenarios},
    )


def one_seed_draw(
    scenarios: Sequence[Scenario],
    seed: int,
    posterior: pd.DataFrame,
    files: Sequence[str | Path],
    edits: Sequence[Iterable[str]],
) -> tuple[Any, list[Scenario]]:
    """Scenarios side by side on one seed's posterior draw (the dashboard's comparison).

    Args:
        scenarios: the designs, each run once with `seed`.
        seed: the shared seed; it chooses the draw.
        posterior: the ensemble.
        files: each scenario's file (the keys it states are pinned).
        edits: each scenario's edited keys (pinned too).

    Returns:
        The draw's label and the scenarios with its values laid over their unpinned keys.
    """
    stated = {
        s.name: [*file_stated_keys(f), *map(str, e)]
        for s, f, e in zip(scenarios, files, edits, strict=True)
    }
    plan = plan_draws(scenarios, [seed], posterior, stated)
    return plan.label(0), [plan.scenario(s, 0) for s in scenarios]
