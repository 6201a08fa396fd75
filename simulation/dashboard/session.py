"""One browser session's state: its scenario, its edits, its model(s) and their recordings.

The app creates one `DashboardSession` per browser page (never one at module level), so two
visitors never step each other's simulation. Everything here is plain Python — no widgets — so
it is tested without a browser. A lock guards the models: Play steps them on a worker thread
while the page reads them to draw.
"""

from __future__ import annotations

import csv
import io
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from simulation.dashboard import charts, network_view
from simulation.dashboard.catalogue import scenario_catalogue
from simulation.dashboard.controls import parse_seed, quoted
from simulation.dashboard.story import StoryRecorder
from simulation.errors import RecoverySimError, ScenarioError
from simulation.model.model import RecoveryCommunityModel
from simulation.model.population import MENTOR, PARTICIPANT
from simulation.running import parameter_draws as draws
from simulation.running.pool import release_model
from simulation.scenario.files import load_scenario, scenario_yaml
from simulation.scenario.schema import Scenario, value_at

#: The largest cohort the dashboard runs interactively (bigger runs: `recovery-sim run`).
MAX_INTERACTIVE_PEOPLE = 50_000
#: Keys that design B takes from design A, so the two differ only in their design.
SHARED_KEYS = ("population.size", "days")
DEFAULT_SEED = 1
#: The longest message shown in the page.
MAX_MESSAGE_CHARS = 400

logger = logging.getLogger(__name__)


def one_line(text: str) -> str:
    """`text` on one line, at most MAX_MESSAGE_CHARS characters."""
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 3] + "..."


@dataclass
class Design:
    """One running design: its scenario, model, drawing and recorded stories."""

    label: str
    scenario: Scenario
    model: RecoveryCommunityModel
    picture: network_view.NetworkPicture
    recorder: StoryRecorder


def build_design(label: str, scenario: Scenario, seed: int) -> Design:
    """A fresh model at day 0, its (cached) network picture and a story recorder."""
    model = RecoveryCommunityModel(scenario, seed=seed)
    model.datacollector.collect(model)  # day 0, so every chart starts where the program does
    picture = network_view.compute_picture(model.edges, model.adjacency, model.people.kind, seed)
    recorder = StoryRecorder(picture.rows)
    recorder.record(model)
    return Design(label, scenario, model, picture, recorder)


class DashboardSession:
    """Scenario choice, edits, seed, the running design(s) and the messages to show.

    `error` is the last change that was refused (the design kept running as it was), `notice`
    says that the last change restarted the run; both are one line, and both go at the
    user's next action (`clear_messages`).
    """

    def __init__(
        self,
        catalogue: dict[str, Path] | None = None,
        seed: int = DEFAULT_SEED,
        uncertainty: str = draws.PARAMETERS_AND_STOCHASTIC,
        posterior: Any = None,
    ):
        """Start at day 0; a comparison runs A and B on the seed's posterior draw (`uncertainty`)."""
        self.uncertainty = draws.check_uncertainty(uncertainty)
        self.posterior = posterior  # default: load_posterior(), when a comparison needs it
        self.draw: Any = None  # the posterior draw A and B run (None: no draw)
        self.lock = threading.RLock()
        self.catalogue = catalogue if catalogue is not None else scenario_catalogue()
        names = list(self.catalogue)
        self.scenario_name = (
            "community_peer_mentoring" if "community_peer_mentoring" in names else names[0]
        )
        self.compare_name: str | None = None
        self.overrides: dict[str, Any] = {}
        self.overrides_b: dict[str, Any] = {}  # design B's own edits (SHARED_KEYS come from A)
        self.generation = 0  # moves each time the run restarts at day 0
        self.seed = parse_seed(seed)
        self.error: str | None = None
        self.notice: str | None = None
        self.designs: list[Design] = []
        self.rebuild()

    # --- scenario and edits ---------------------------------------------------------------

    def load(self, name: str, overrides: dict[str, Any]) -> Scenario:
        """The named scenario with edits applied.

        Raises:
            ScenarioError: the name is not in the catalogue, or a value is not allowed.
        """
        if name not in self.catalogue:
            names = list(self.catalogue)
            listed = ", ".join(names[:5]) + (
                f" ... ({len(names)} in all)" if len(names) > 5 else ""
            )
            raise ScenarioError(
                "dashboard", "scenario", quoted(name), allowed=f"a listed scenario: {listed}"
            )
        scenario = load_scenario(self.catalogue[name], overrides)
        if scenario.population.size > MAX_INTERACTIVE_PEOPLE:
            raise ScenarioError(
                "dashboard",
                "population.size",
                scenario.population.size,
                problem="is more people than the dashboard runs interactively",
                allowed=f"at most {MAX_INTERACTIVE_PEOPLE:,} here; run larger populations "
                "with `recovery-sim run`",
            )
        referrals = float(scenario.intake.expected_by_month(scenario.days).sum())
        if scenario.population.size + referrals > MAX_INTERACTIVE_PEOPLE:
            raise ScenarioError(
                "dashboard",
                "intake.referrals_per_month",
                scenario.intake.referrals_per_month,
                problem=f"brings about {referrals:,.0f} referrals, more people than the "
                "dashboard runs interactively",
                allowed=f"at most {MAX_INTERACTIVE_PEOPLE:,} people in all here; run larger "
                "programs with `recovery-sim run`",
            )
        return scenario

    @property
    def scenario(self) -> Scenario:
        """Design A's scenario, as it runs now."""
        return self.designs[0].scenario

    def value(self, key: str, design: int = 0) -> Any:
        """The current value of a dotted key in design A (0) or design B (1)."""
        return value_at(self.designs[design].scenario, key)

    def set_value(self, key: str, value: Any, design: int = 0) -> bool:
        """Edit one value of design A (0) or B (1) and restart at day 0.

        Design B takes SHARED_KEYS (population size, days) from design A, so those are edited
        in design A only. On a bad value the run goes on as it was and `error` says why.

        Args:
            key: the dotted scenario key.
            value: the new value (checked by the scenario schema).
            design: 0 for design A, 1 for design B (only while B runs).

        Returns:
            True if the change was applied.
        """
        which = "design B" if design else "The design"
        if design and (len(self.designs) < 2 or key in SHARED_KEYS):
            why = "no design B runs" if len(self.designs) < 2 else "design B takes it from A"
            self.error, self.notice = one_line(f"Cannot edit {key} of design B: {why}."), None
            return False
        try:
            kept = f"{which} keeps {key} = {self.value(key, design)!r}."
        except AttributeError:
            kept = f"{which} is unchanged."
        change = f"{key} = {quoted(value)!r}" + (" in design B" if design else "")
        if design:
            overrides_b = {**self.overrides_b, key: value}
            return self._try(
                change,
                kept,
                self.overrides,
                self.scenario_name,
                self.compare_name,
                overrides_b=overrides_b,
            )
        overrides = {**self.overrides, key: value}
        return self._try(change, kept, overrides, self.scenario_name, self.compare_name)

    def select_scenario(self, name: str) -> bool:
        """Switch design A to another scenario file (edits are dropped, the seed is kept)."""
        kept = f"Design A stays {self.scenario_name}."
        return self._try(f"design A = {quoted(name)}", kept, {}, name, self.compare_name)

    def select_compare(self, name: str | None) -> bool:
        """Run design B (another scenario, same seed and population) beside A, or stop."""
        kept = f"Design B stays {self.compare_name or 'off'}."
        change = f"design B = {quoted(name) if name else 'off'}"
        return self._try(change, kept, self.overrides, self.scenario_name, name, overrides_b={})

    def set_seed(self, seed: Any) -> bool:
        """Change the seed (text from the page, or an int) and restart at day 0."""
        kept = f"The seed stays {self.seed}."
        try:
            number = parse_seed(seed)
        except ScenarioError as exc:
            self.error, self.notice = one_line(f"{exc} {kept}"), None
            return False
        return self._try(
            f"seed = {number}", kept, self.overrides, self.scenario_name, self.compare_name, number
        )

    def _try(
        self,
        change: str,
        kept: str,
        overrides: dict[str, Any],
        name: str,
        compare: str | None,
        seed: int | None = None,
        overrides_b: dict[str, Any] | None = None,
    ) -> bool:
        day = self.day if self.designs else 0
        edits_b = self.overrides_b if overrides_b is None else overrides_b
        try:
            self._build(overrides, name, compare, self.seed if seed is None else seed, edits_b)
        except RecoverySimError as exc:
            self.error, self.notice = one_line(f"{exc} {kept}"), None
            return False
        except Exception as exc:  # a page stuck on a traceback helps nobody; the log keeps it
            logger.exception("dashboard: could not apply %s", change)
            problem = f"{type(exc).__name__}: {exc}"
            self.error, self.notice = (
                one_line(f"Could not apply {change} ({problem}). {kept}"),
                None,
            )
            return False
        self.error = None
        self.notice = (
            one_line(f"Restarted at day 0 with {change} (the run was on day {day}).")
            if day > 0
            else None
        )
        return True

    def clear_messages(self) -> None:
        """Forget the last error and notice (the user has moved on)."""
        self.error = self.notice = None

    # --- running --------------------------------------------------------------------------

    def reset(self) -> None:
        """The Reset button: back to day 0 with the current design and seed, messages cleared."""
        self.clear_messages()
        self.rebuild()

    def rebuild(self) -> None:
        """Both designs back to day 0 with the current scenario, edits and seed."""
        self._build(
            self.overrides, self.scenario_name, self.compare_name, self.seed, self.overrides_b
        )

    def _build(
        self,
        overrides: dict[str, Any],
        name: str,
        compare: str | None,
        seed: int,
        overrides_b: dict[str, Any],
    ) -> None:
        scenario_a = self.load(name, overrides)
        draw, scenarios = None, [scenario_a]
        if compare is not None:
            shared = {key: value_at(scenario_a, key) for key in SHARED_KEYS}
            scenarios.append(self.load(compare, {**overrides_b, **shared}))
            if self.uncertainty == draws.PARAMETERS_AND_STOCHASTIC:
                if self.posterior is None:
                    self.posterior = draws.default_posterior()
                files = [self.catalogue[n] for n in (name, compare)]
                edits = (overrides, overrides_b)
                draw, scenarios = draws.one_seed_draw(scenarios, seed, self.posterior, files, edits)
        designs = [
            build_design(n, s, seed) for n, s in zip((name, compare), scenarios, strict=False)
        ]
        with self.lock:
            self.draw = draw
            old, self.designs = self.designs, designs
            self.overrides, self.scenario_name, self.compare_name = overrides, name, compare
            self.overrides_b = overrides_b if compare is not None else {}
            self.seed = seed
            self.generation += 1
        for design in old:
            release_model(design.model)

    def step(self, days: int = 1) -> int:
        """Advance every design by `days` days (not past the scenario's end); returns the day."""
        with self.lock:
            for design in self.designs:
                for _ in range(days):
                    if not design.model.running:
                        break
                    design.model.step()
                    design.recorder.record(design.model)
            return self.day

    @property
    def day(self) -> int:
        """Design A's day."""
        return self.designs[0].model.day

    @property
    def running(self) -> bool:
        """False once design A has reached its last day."""
        return bool(self.designs[0].model.running)

    def close(self) -> None:
        """Free the models (the page was closed)."""
        with self.lock:
            for design in self.designs:
                release_model(design.model)
            self.designs = self.designs[:1]

    # --- what the views read --------------------------------------------------------------

    def run_views(self) -> list[charts.RunView]:
        """Chart data of every design, labelled A and B when there are two."""
        with self.lock:
            compare = len(self.designs) > 1
            return [
                charts.run_view(f"{'AB'[i]}: {d.label}" if compare else d.label, d.model)
                for i, d in enumerate(self.designs)
            ]

    def network_state(
        self, index: int = 0
    ) -> tuple[network_view.NetworkPicture, np.ndarray, np.ndarray]:
        """(picture, categories of the drawn people, today's ties between them)."""
        with self.lock:
            design = self.designs[index]
            picture = design.picture
            cats = network_view.categories(design.model.people, picture.rows)
            return picture, cats, picture.local_edges(design.model.edges)

    def story_people(self) -> dict[int, str]:
        """Row -> label for the people whose story is recorded (participants, then mentors)."""
        from simulation.dashboard.story import describe_person

        with self.lock:
            design = self.designs[0]
            people = design.model.people
            rows = design.recorder.rows
            ordered = [r for r in rows if people.kind[r] == PARTICIPANT]
            ordered += [r for r in rows if people.kind[r] == MENTOR]
            return {int(r): describe_person(people, int(r)) for r in ordered}

    def timeline(self, row: int):
        """The recorded timeline of one person in design A."""
        with self.lock:
            return self.designs[0].recorder.timeline(row)

    # --- downloads ------------------------------------------------------------------------

    def scenario_yaml(self) -> str:
        """Design A's scenario, edits included, as a YAML file that `recovery-sim run` reads."""
        return scenario_yaml(self.scenario)

    def daily_csv(self) -> str:
        """The daily series of every design so far, one row per design and day."""
        views = self.run_views()
        names = sorted(set().union(*(v.series for v in views)) - {"day"})
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["design", "seed", "day", *names])
        for view in views:
            for i, day in enumerate(view.days):
                writer.writerow(
                    [view.label, self.seed, int(day)]
                    + [_csv_value(view.series.get(n), i) for n in names]
                )
        return out.getvalue()


def _csv_value(values: np.ndarray | None, i: int) -> str:
    if values is None or i >= len(values):
        return ""
    value = float(values[i])
    return str(int(value)) if value.is_integer() else f"{value:.6g}"
