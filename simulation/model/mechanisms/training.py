"""Mentor training: three modules and hours of training, with diminishing returns.

- empathic listening raises the quality of the support a mentor gives;
- boundary setting slows burnout and prevents harmful over-involvement;
- conflict resolution makes failed matches and dropouts rarer.

Each module's benefit grows with hours as `1 - 2 ** (-hours / hours_for_half_benefit)`: the first
hours matter most (ED peer programs require ~45 h: Beaudoin et al. 2022).
"""

from __future__ import annotations

from simulation.scenario.parameters import Section, parameter


class TrainingParams(Section):
    """Mentor training."""

    enabled: bool = parameter(
        True,
        unit="switch",
        source="scenario design",
        description="whether mentors are trained",
    )
    hours: float = parameter(
        40.0,
        unit="hours per mentor",
        source="Beaudoin et al. 2022 (45 h for ED peer workers)",
        description="training hours each mentor receives",
        ge=0.0,
        le=500.0,
    )
    hours_for_half_benefit: float = parameter(
        20.0,
        unit="hours",
        source="assumption (diminishing returns)",
        description="hours at which a module gives half its full benefit",
        gt=0.0,
        le=500.0,
    )
    empathic_listening: bool = parameter(
        True,
        unit="switch",
        source="source article",
        description="train empathic listening",
    )
    boundary_setting: bool = parameter(
        True,
        unit="switch",
        source="source article",
        description="train boundary setting",
    )
    conflict_resolution: bool = parameter(
        True,
        unit="switch",
        source="source article",
        description="train conflict resolution",
    )
    untrained_support_quality: float = parameter(
        0.6,
        unit="share",
        source="assumption",
        description="quality of support from a mentor without empathic-listening training",
        ge=0.0,
        le=1.0,
    )
    boundary_burnout_reduction: float = parameter(
        0.5,
        unit="share",
        source="assumption; Bell et al. 2025 (workplace control protects)",
        description="largest reduction in burnout build-up from boundary setting",
        ge=0.0,
        le=1.0,
    )
    conflict_failure_reduction: float = parameter(
        0.6,
        unit="share",
        source="assumption",
        description="largest reduction in failed matches from conflict resolution",
        ge=0.0,
        le=1.0,
    )

    def benefit(self) -> float:
        """Share of full benefit reached with these hours (0 when training is off)."""
        if not self.enabled:
            return 0.0
        return 1.0 - 2.0 ** (-self.hours / self.hours_for_half_benefit)

    def support_quality(self) -> float:
        """How much of a contact's potential support a mentor delivers (0-1)."""
        gain = self.benefit() if self.empathic_listening else 0.0
        return self.untrained_support_quality + (1.0 - self.untrained_support_quality) * gain

    def burnout_multiplier(self) -> float:
        return 1.0 - self.boundary_burnout_reduction * (
            self.benefit() if self.boundary_setting else 0.0
        )

    def match_failure_multiplier(self) -> float:
        return 1.0 - self.conflict_failure_reduction * (
            self.benefit() if self.conflict_resolution else 0.0
        )
