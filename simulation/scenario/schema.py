"""The scenario schema: one pydantic model that every parameter of the model hangs from.

A scenario file is this model written as YAML. Each section is declared in the module of the
mechanism it drives, with units, defaults and sources; this file only puts them together. The
JSON Schema (`recovery-sim schema`), `--set` overrides, the dashboard's controls and the ODD
parameter table are all read from here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from simulation.model.mechanisms.costs import CostParams
from simulation.model.mechanisms.engagement import EngagementParams
from simulation.model.mechanisms.health_economics import EconomicsParams  # issue 14
from simulation.model.mechanisms.intake import IntakeParams  # issue 15
from simulation.model.mechanisms.meetings import MeetingParams
from simulation.model.mechanisms.mentor_wellbeing import MentorWellbeingParams
from simulation.model.mechanisms.mentoring import MentoringParams
from simulation.model.mechanisms.network import NetworkParams
from simulation.model.mechanisms.overdose import OverdoseParams
from simulation.model.mechanisms.pipeline import PipelineParams
from simulation.model.mechanisms.psychology import MentalHealthParams, PsychologyParams
from simulation.model.mechanisms.recovery import RecoveryCycleParams
from simulation.model.mechanisms.relapse import RelapseParams
from simulation.model.mechanisms.setting import SettingParams
from simulation.model.mechanisms.stigma import StigmaParams
from simulation.model.mechanisms.supervision import SupervisionParams
from simulation.model.mechanisms.tie_dynamics import TieDynamicsParams
from simulation.model.mechanisms.training import TrainingParams
from simulation.model.population_params import PopulationParams
from simulation.scenario.parameters import Section, parameter


class _ScenarioErrors(type(Section)):
    """Makes `Scenario(...)` raise the project's ScenarioError, naming the key, like files do.

    Only direct calls go through here; `model_validate` (what files and dicts use) does not.
    """

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except ValidationError as exc:
            from simulation.scenario.overrides import explain  # it imports this module

            raise explain(exc, kwargs, f"{cls.__name__}()") from None


class Scenario(Section, metaclass=_ScenarioErrors):
    """A program design and the population it serves: everything one run needs but the seed.

    Unknown keys are rejected and every value is range-checked (a bad one raises
    ScenarioError naming it). Build one from keyword arguments or dicts (sections as dicts), or
    read a file with `load_scenario`.

    Example:
        >>> scenario = Scenario(name="small", days=90, population={"size": 300},
        ...                     mentoring={"enabled": True, "caseload_cap": 4})
        >>> scenario.mentoring.caseload_cap, scenario.relapse.frailty_variance > 0
        (4, True)
    """

    # The JSON Schema (for YAML editors) gets the first line, not the example.
    model_config = ConfigDict(
        json_schema_extra={
            "description": "A program design and the population it serves: everything one run "
            "needs but the seed."
        }
    )

    name: str = parameter(
        "scenario",
        unit="text",
        source="scenario file",
        description="short name used in tables and reports",
        min_length=1,
        max_length=80,
    )
    description: str = parameter(
        "",
        unit="text",
        source="scenario file",
        description="what the design is, in plain words",
    )
    extends: str | None = parameter(
        None,
        unit="path",
        source="scenario file",
        description="another scenario file this one starts from (relative to this file)",
    )
    population_from: str | None = parameter(
        None,
        unit="path",
        source="scenario file",
        description="a population file (scenarios/populations/) whose population and context "
        "keys this design serves (relative to this file)",
    )
    days: int = parameter(
        365,
        unit="days",
        source="assumption (12-month follow-up, as in most trials)",
        description="days simulated",
        ge=1,
        le=36_500,
    )
    population: PopulationParams = PopulationParams()
    intake: IntakeParams = IntakeParams()  # referrals over the run, waiting list (issue 15)
    network: NetworkParams = NetworkParams()
    relapse: RelapseParams = RelapseParams()
    recovery: RecoveryCycleParams = RecoveryCycleParams()
    psychology: PsychologyParams = PsychologyParams()
    mental_health: MentalHealthParams = MentalHealthParams()
    mentoring: MentoringParams = MentoringParams()
    setting: SettingParams = SettingParams()
    training: TrainingParams = TrainingParams()
    supervision: SupervisionParams = SupervisionParams()
    mentor_wellbeing: MentorWellbeingParams = MentorWellbeingParams()
    pipeline: PipelineParams = PipelineParams()
    meetings: MeetingParams = MeetingParams()
    tie_dynamics: TieDynamicsParams = TieDynamicsParams()
    stigma: StigmaParams = StigmaParams()
    engagement: EngagementParams = EngagementParams()
    overdose: OverdoseParams = OverdoseParams()
    costs: CostParams = CostParams()
    economics: EconomicsParams = EconomicsParams()  # health economics (issue 14)

    @model_validator(mode="after")
    def _referrals_fit(self) -> Scenario:
        """The day-0 cohort and the expected referrals stay within the cohort size limit."""
        limit = next(
            m.le for m in PopulationParams.model_fields["size"].metadata if hasattr(m, "le")
        )
        expected = float(self.intake.expected_by_month(self.days).sum())
        if self.population.size + expected > limit:
            raise ValueError(
                f"intake.referrals_per_month: about {expected:,.0f} referrals over {self.days} "
                f"days on top of population.size {self.population.size:,} is more than the "
                f"{limit:,} participants a run can hold; lower the referrals or the days"
            )
        return self


def iter_parameters(
    model: type[BaseModel] = Scenario, prefix: str = ""
) -> Iterator[tuple[str, Any]]:
    """Every leaf parameter as (dotted key, pydantic FieldInfo), depth first, in schema order.

    Example:
        >>> keys = [key for key, _ in iter_parameters()]
        >>> "mentoring.caseload_cap" in keys
        True
    """
    for name, info in model.model_fields.items():
        key = f"{prefix}{name}"
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from iter_parameters(annotation, key + ".")
        else:
            yield key, info


def value_at(scenario: BaseModel, key: str) -> Any:
    """The value of a dotted key (`"mentoring.caseload_cap"`) in a scenario or one of its sections.

    The one place a dotted key is walked through a Scenario; the key must exist (check it with
    the schema first when it comes from a user).

    Args:
        scenario: a Scenario, or a section of one.
        key: dotted key, e.g. `"relapse.alcohol.hazard_shape"`; a section's key gives the section.

    Returns:
        The value stored at that key.

    Example:
        >>> value_at(Scenario(), "population.size") == Scenario().population.size
        True
    """
    value: Any = scenario
    for part in key.split("."):
        value = getattr(value, part)
    return value


def parameter_default(key: str) -> Any:
    """The default value of a dotted key, from a default Scenario."""
    return value_at(Scenario(), key)
