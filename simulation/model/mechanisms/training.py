"""Mentor training: three modules and hours of training, with diminishing returns.

- empathic listening raises the quality of the support a mentor gives (support, self-efficacy,
  alliance growth) and makes ruptures of the alliance rarer;
- boundary setting prevents over-involvement: slower burnout, fewer boundary incidents (which
  cost alliance and add burnout, and so attrition), and less of the risk over-helping brings;
- conflict resolution repairs ruptures, so fewer pairs break down (fewer failed matches).

Sizes: empathy goes with outcome across psychotherapy studies (Elliott et al. 2018, r = 0.28; not
re-read for this model) and peer workers name boundaries as their main difficulty (Eddie et al.
2019); the channel sizes below are assumptions, each flagged, with wide ranges to explore.

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
    empathic_rupture_reduction: float = parameter(
        0.5,
        unit="share",
        source="assumption; Elliott et al. 2018 (empathy and outcome, r = 0.28)",
        description="largest reduction in the chance that a contact ruptures the alliance",
        ge=0.0,
        le=1.0,
    )
    boundary_over_involvement_reduction: float = parameter(
        0.7,
        unit="share",
        source="assumption; Eddie et al. 2019 (boundaries are peer workers' main difficulty)",
        description="largest reduction in over-involvement (boundary incidents, over-helping risk)",
        ge=0.0,
        le=1.0,
    )
    untrained_repair_share: float = parameter(
        0.3,
        unit="probability",
        source="assumption",
        description="chance that a mentor without conflict-resolution training repairs a rupture",
        ge=0.0,
        le=1.0,
    )
    trained_repair_share: float = parameter(
        0.85,
        unit="probability",
        source="assumption; Eubanks et al. 2018 (rupture-repair training)",
        description="chance that a fully trained mentor repairs a rupture",
        ge=0.0,
        le=1.0,
    )

    def benefit(self) -> float:
        """Share of full benefit reached with these hours (0 when training is off).

        Returns:
            `1 - 2 ** (-hours / hours_for_half_benefit)`, or 0 without training.
        """
        if not self.enabled:
            return 0.0
        return 1.0 - 2.0 ** (-self.hours / self.hours_for_half_benefit)

    def _module(self, on: bool) -> float:
        return self.benefit() if on else 0.0

    def support_quality(self) -> float:
        """How much of a contact's potential support a mentor delivers (0-1).

        Returns:
            Support quality from empathic-listening training.
        """
        gain = self._module(self.empathic_listening)
        return self.untrained_support_quality + (1.0 - self.untrained_support_quality) * gain

    def rupture_ratio(self) -> float:
        """Multiplier on the chance that a contact ruptures the alliance (empathic listening).

        Returns:
            1 untrained, down to `1 - empathic_rupture_reduction` fully trained.
        """
        return 1.0 - self.empathic_rupture_reduction * self._module(self.empathic_listening)

    def burnout_multiplier(self) -> float:
        """Multiplier on burnout build-up (boundary setting).

        Returns:
            1 untrained, down to `1 - boundary_burnout_reduction` fully trained.
        """
        return 1.0 - self.boundary_burnout_reduction * self._module(self.boundary_setting)

    def over_involvement(self) -> float:
        """How over-involved mentors get, relative to untrained mentors (boundary setting).

        Returns:
            1 untrained, down to `1 - boundary_over_involvement_reduction` fully trained.
        """
        return 1.0 - self.boundary_over_involvement_reduction * self._module(self.boundary_setting)

    def repair_share(self) -> float:
        """Chance that a rupture is repaired (conflict resolution).

        Returns:
            From `untrained_repair_share` up to `trained_repair_share` with full benefit.
        """
        gain = self._module(self.conflict_resolution)
        return (
            self.untrained_repair_share
            + (self.trained_repair_share - self.untrained_repair_share) * gain
        )
