"""Experiment files: what to vary, how to sample it, how often to repeat it, what to record.

An experiment file is YAML validated by the pydantic models below (`loading.py` reads it and
checks every factor against the scenario schema):

    name: caseload_sweep
    scenarios: [../scenarios/community_peer_mentoring.yaml]
    set: {population.size: 1000}
    factors:
      mentoring.caseload_cap: [3, 5, 8]          # levels (shorthand)
      mentoring.support_effect: {range: [0.2, 0.8]}
    design: {kind: lhs, points: 200}
    replicates: 5
    seed: 1
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from simulation.analysis.metrics import METRICS

#: Scenario keys that describe a file rather than the model, so they cannot be varied.
NOT_FACTORS = ("name", "description", "extends")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Factor(_Strict):
    """One scenario parameter to vary: a list of levels, or a range to sample from."""

    levels: list[Any] | None = Field(
        None, min_length=1, description="a list of values the parameter takes"
    )
    range: tuple[float, float] | None = Field(
        None, description="[low, high]: the interval sampled designs draw from"
    )
    scale: Literal["linear", "log"] = Field(
        "linear", description="linear or log: how a range is sampled"
    )

    @model_validator(mode="after")
    def _levels_or_range(self) -> Factor:
        if (self.levels is None) == (self.range is None):
            raise ValueError("give either levels or range, not both or neither")
        if self.range is not None and not self.range[0] < self.range[1]:
            raise ValueError("a range needs low < high")
        if self.scale == "log" and (self.range is None or self.range[0] <= 0):
            raise ValueError("a log scale needs a range with low > 0")
        return self


class FactorialDesign(_Strict):
    """Every combination of every factor's levels."""

    kind: Literal["factorial"] = "factorial"


class LatinHypercubeDesign(_Strict):
    """`points` points spread over the factor ranges (scipy.stats.qmc.LatinHypercube)."""

    kind: Literal["lhs"] = "lhs"
    # The bound only keeps absurd numbers out of messages: `design_size.MAX_DESIGN_POINTS`,
    # checked before the design is drawn, is the real limit (and says so).
    points: int = Field(ge=2, le=10**12, description="a whole number of design points >= 2")


class SobolDesign(_Strict):
    """Saltelli's scheme for Sobol indices (SALib): base_samples x (factors + 2) points."""

    kind: Literal["sobol"] = "sobol"
    base_samples: int = Field(ge=2, le=1_048_576, description="a power of two >= 2")
    second_order: bool = Field(False, description="true to estimate pairwise interactions")

    @field_validator("base_samples")
    @classmethod
    def _power_of_two(cls, value: int) -> int:
        if value & (value - 1):
            raise ValueError("Sobol sampling needs a power of two (e.g. 64, 128, 256)")
        return value


class MorrisDesign(_Strict):
    """Morris elementary-effects screening (SALib): trajectories x (factors + 1) points."""

    kind: Literal["morris"] = "morris"
    trajectories: int = Field(ge=2, le=100_000, description="a whole number >= 2")
    levels: int = Field(4, ge=2, le=64, description="grid levels per factor (even, e.g. 4)")


Design = Annotated[
    FactorialDesign | LatinHypercubeDesign | SobolDesign | MorrisDesign,
    Field(discriminator="kind"),
]
DESIGN_KINDS = {"factorial": FactorialDesign, "lhs": LatinHypercubeDesign}
DESIGN_KINDS |= {"sobol": SobolDesign, "morris": MorrisDesign}


class Experiment(_Strict):
    """A batch of runs: base scenarios, factors, a design, replicates, seed, what to record."""

    name: str = Field(min_length=1, max_length=80, description="a short name (text)")
    description: str = Field("", description="what the experiment asks, in plain words")
    scenarios: list[str] = Field(
        min_length=1,
        description="scenario file paths, relative to the experiment file, or bundled "
        "scenarios' names (community_peer_mentoring)",
    )
    set: dict[str, Any] = Field(
        default_factory=dict, description="dotted scenario keys fixed for every run"
    )
    factors: dict[str, Factor] = Field(
        min_length=1, description="dotted scenario keys mapped to levels or {range: [lo, hi]}"
    )
    design: Design
    replicates: int = Field(1, ge=1, le=100_000, description="a whole number >= 1")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="a whole number >= 0 (master seed)")
    common_random_numbers: bool = Field(
        False, description="true to give every design point the same seed per replicate"
    )
    uncertainty: Literal["parameters+stochastic", "stochastic"] = Field(
        "parameters+stochastic",
        description="parameters+stochastic: replicate r of every design point runs the same "
        "calibrated posterior draw (keys the experiment sets or varies keep their values); "
        "stochastic: the scenarios' own parameters, run-to-run variation only",
    )
    metrics: list[str] = Field(default_factory=lambda: list(METRICS), min_length=1)
    daily: bool = Field(False, description="true to keep every run's daily series")
    out: str | None = Field(None, description="output folder (default: results/<name>)")

    @field_validator("scenarios", mode="before")
    @classmethod
    def _one_scenario(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("factors", mode="before")
    @classmethod
    def _levels_shorthand(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: {"levels": v} if isinstance(v, list) else v for k, v in value.items()}
        return value

    @field_validator("design", mode="before")
    @classmethod
    def _kind_shorthand(cls, value: Any) -> Any:
        return {"kind": value} if isinstance(value, str) else value

    @field_validator("metrics")
    @classmethod
    def _known_metrics(cls, value: list[str]) -> list[str]:
        unknown = [m for m in value if m not in METRICS]
        if unknown:
            raise ValueError(f"unknown metric {unknown[0]!r}; known: {', '.join(METRICS)}")
        return list(dict.fromkeys(value))
