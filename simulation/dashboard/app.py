"""The dashboard page: pick a design, press play, see what happens and why.

Served by `recovery-sim dashboard` (Solara). Each browser page gets its own `DashboardSession`
— its own model — created inside the page component, never at module level. Mesa's SolaraViz
builds its model from keyword arguments and shows one model; this page needs a scenario file
picker, schema-checked edits with readable messages, two designs side by side and a person's
story, so it is plain Solara around the Mesa model, stepped the way SolaraViz's ModelController
steps it (a threaded `solara.lab.use_task` loop that redraws through a reactive counter).
"""

from __future__ import annotations

import time

import reacton.core
import solara
import solara.lab
import solara.server.settings

from simulation.dashboard.charts import ChartsView
from simulation.dashboard.controls import ParameterControl, all_specs, lever_specs
from simulation.dashboard.network_view import NetworkView
from simulation.dashboard.server_guard import patch_solara_cdn
from simulation.dashboard.session import SHARED_KEYS, DashboardSession
from simulation.dashboard.story import StoryView

# `recovery-sim dashboard` guards the server before it starts; this covers `solara run`.
patch_solara_cdn()
# Solara's "This website runs on Solara" banner sits over the page's bottom right corner.
solara.server.settings.theme.show_banner = False

#: Milliseconds between frames while playing (a frame may take longer at large populations).
PLAY_INTERVAL_MS = 150
DAYS_PER_STEP = ("1", "7", "30")  # days a Step (or a Play frame) advances
NO_COMPARISON = "(none)"


def use_batch():
    """A context manager that turns the state changes made inside it into one redraw.

    Each component that reads a reactive value is told of a change on its own, and without a
    batch every one of them starts a render of the whole page: a step that moves `version` (read
    by five components) rendered the page five times. Inside the batch (reacton's render
    context) the components are only marked, and the page renders once, when the batch ends.
    Call it while rendering; use the result in event handlers and the Play thread.
    """
    return reacton.core.get_render_context()


@solara.component
def Controls(  # noqa: N802 - Solara components are CamelCase
    session: DashboardSession, config: solara.Reactive[int], version: solara.Reactive[int]
):
    """Scenario picker, comparison, seed and the schema's main levers."""
    config_tick = config.value  # re-read values after a rebuild
    names = list(session.catalogue)
    batch = use_batch()

    # The session's answer (False for a refused edit) is not needed here: the page re-reads the
    # session either way, so a refusal's message shows as well as an accepted edit.
    def apply(_accepted: bool) -> None:
        with batch:
            config.value += 1
            version.value += 1

    solara.Select(
        label="Scenario (design A)",
        values=names,
        value=session.scenario_name,
        on_value=lambda name: apply(session.select_scenario(name)),
    )
    solara.Select(
        label="Side by side with (design B)",
        values=[NO_COMPARISON, *names],
        value=session.compare_name or NO_COMPARISON,
        on_value=lambda name: apply(
            session.select_compare(None if name == NO_COMPARISON else name)
        ),
    )
    # Text, not InputInt: the session reads it and words the refusal (InputInt let a negative
    # seed reach the model, and its message named numpy). Keyed, so a refused seed reverts.
    solara.InputText(
        label="Seed (a whole number >= 0)",
        value=str(session.seed),
        on_value=lambda text: apply(session.set_seed(text)),
        continuous_update=False,
    ).key(f"seed/{config_tick}")
    solara.Text(
        "Changing the design or the seed restarts the run at day 0.",
        style={"font-size": "0.8em"},
        classes=["rs-restart-hint"],
    )
    solara.Text("Design A's main levers (from the scenario schema):", style={"font-size": "0.85em"})
    Levers(session, apply, config_tick, design=0)
    if session.compare_name:
        with solara.Details(f"Design B's levers ({session.compare_name})"):
            solara.Text(
                "Design B shares design A's population size and days; the rest is its own.",
                style={"font-size": "0.8em"},
            )
            Levers(session, apply, config_tick, design=1)
    with solara.Details("Any other parameter (design A, exact values)"):
        OtherParameter(session, apply, config_tick)


@solara.component
def Levers(session: DashboardSession, apply, config_tick: int, design: int):  # noqa: N802 - Solara components are CamelCase
    """The main levers of design A (0) or design B (1), each bound to that design's value."""
    for spec in lever_specs():
        if design and spec.key in SHARED_KEYS:
            continue
        with solara.Div(classes=[f"rs-design-{'AB'[design]}"]):
            ParameterControl(
                spec,
                session.value(spec.key, design),
                lambda value, key=spec.key, spec=spec: apply(
                    session.set_value(key, spec.coerce(value), design)
                ),
            ).key(f"{'AB'[design]}/{spec.key}/{config_tick}")


@solara.component
def OtherParameter(session: DashboardSession, apply, config_tick: int):  # noqa: N802 - Solara components are CamelCase
    """Edit any schema parameter: pick its key, then its value."""
    specs = solara.use_memo(all_specs, [])
    key, set_key = solara.use_state(
        "relapse.frailty_variance" if "relapse.frailty_variance" in specs else next(iter(specs))
    )
    solara.Select(label="Parameter", values=list(specs), value=key, on_value=set_key)
    spec = specs[key]
    if spec.description:
        solara.Text(f"{spec.description} (source: {spec.source})", style={"font-size": "0.8em"})
    ParameterControl(
        spec,
        session.value(key),
        lambda value: apply(session.set_value(key, spec.coerce(value))),
        exact=True,
    ).key(f"other/{key}/{config_tick}")


@solara.component
def Runner(session: DashboardSession, config: solara.Reactive[int], version: solara.Reactive[int]):  # noqa: N802 - Solara components are CamelCase
    """Step / Play / Reset, and how many days a step is."""
    version.value  # noqa: B018 - redraw the day and the Play button as the run moves
    playing = solara.use_reactive(False)
    days_per_step = solara.use_reactive("1")
    batch = use_batch()

    def play_loop() -> None:
        while playing.value and session.running:
            started = time.perf_counter()
            session.step(int(days_per_step.value))
            with batch:
                version.value += 1
            spent = time.perf_counter() - started
            time.sleep(max(0.0, PLAY_INTERVAL_MS / 1000 - spent))
        playing.value = False

    solara.lab.use_task(play_loop, dependencies=[playing.value], prefer_threaded=True)

    def step() -> None:
        session.clear_messages()  # the user has moved on from the last message
        session.step(int(days_per_step.value))
        with batch:
            version.value += 1

    def play_or_pause() -> None:
        session.clear_messages()
        with batch:
            playing.set(not playing.value)
            version.value += 1

    def reset() -> None:
        with batch:
            playing.value = False
            with session.lock:
                session.reset()
            config.value += 1
            version.value += 1

    with solara.Row():
        solara.Button("Step", on_click=step, color="primary", disabled=not session.running)
        solara.Button(
            "Pause" if playing.value else "Play",
            on_click=play_or_pause,
            color="primary",
            disabled=not session.running,
        )
        solara.Button("Reset", on_click=reset, outlined=True)
    solara.ToggleButtonsSingle(value=days_per_step, values=list(DAYS_PER_STEP), dense=True)
    solara.Text("days per step", style={"font-size": "0.8em"})


@solara.component
def Downloads(session: DashboardSession, version: solara.Reactive[int]):  # noqa: N802 - Solara components are CamelCase
    """The scenario as YAML (edits included) and the daily series as CSV."""
    version.value  # noqa: B018 - subscribe: the file names follow a newly picked scenario
    with solara.Row():
        solara.FileDownload(
            session.scenario_yaml,
            filename=f"{session.scenario_name}.yaml",
            label="Scenario YAML",
            mime_type="application/x-yaml",
        )
        solara.FileDownload(
            session.daily_csv,
            filename=f"{session.scenario_name}_daily.csv",
            label="Daily series CSV",
            mime_type="text/csv",
        )


@solara.component
def Status(session: DashboardSession, version: solara.Reactive[int]):  # noqa: N802 - Solara components are CamelCase
    """Which design, which day, how many people — and the last refusal or restart, if any."""
    version.value  # noqa: B018
    scenario = session.scenario
    people = session.designs[0].model.people.size
    design = session.scenario_name
    if session.compare_name:
        design = f"A (baseline): {design} vs B: {session.compare_name}"
        if session.draw is not None:  # parameter uncertainty: one plausible world for both
            design += f" · both on posterior draw {session.draw}"
    solara.Text(
        f"Day {session.day} of {scenario.days} · {design} · seed {session.seed} · "
        f"{scenario.population.size:,} participants ({people:,} people with mentors and "
        "community members)",
        classes=["rs-status"],
    )
    if session.error:
        solara.Error(session.error, classes=["rs-error"])
    if session.notice:
        solara.Info(session.notice, classes=["rs-notice"])


@solara.component
def Page():  # noqa: N802 - Solara components are CamelCase
    """The whole dashboard, one session per browser page."""
    session = solara.use_memo(DashboardSession, [])
    solara.use_effect(lambda: session.close, [])
    config = solara.use_reactive(0)  # moves when the design is rebuilt
    version = solara.use_reactive(0)  # moves on every step
    person = solara.use_reactive(None)

    solara.Title("recovery-sim dashboard")
    with solara.AppBar():
        solara.AppBarTitle(children=["recovery-sim: peer-mentoring designs"])
    with solara.Sidebar():
        with solara.Card("Run"):
            Runner(session, config, version)
        with solara.Card("Design"):
            Controls(session, config, version)
        with solara.Card("Downloads"):
            Downloads(session, version)
    # The sidebar drawer overlaps the main area by about its cards' margin; keep clear of it.
    with solara.Column(style={"padding-left": "48px"}):
        Status(session, version)
        with solara.Columns([1, 1.45]):
            NetworkView(session, version, person)
            StoryView(session, version, person)
        ChartsView(session, version)
