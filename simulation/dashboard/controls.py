"""The dashboard's controls, read from the scenario schema: keys, ranges, units, never retyped.

`lever_specs()` picks the main levers of a program design by dotted key (and, for the program
sections, every parameter whose source says it is a scenario design choice), in schema order.
Keys that the schema does not have yet are skipped, so new sections show up when they land.
`control_spec()` turns any one parameter into a description a widget can be built from.
`parse_seed()` reads the seed field, which is not a schema parameter.
"""

from __future__ import annotations

import fnmatch
import math
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import solara

from simulation.errors import ScenarioError
from simulation.scenario.schema import iter_parameters, parameter_default

#: The main levers, in the order the sidebar shows them. Exact keys or `section.*` patterns; a
#: pattern takes the section's design choices (source "scenario design", switches and choices).
LEVER_PATTERNS: tuple[str, ...] = (
    "population.size",
    "days",
    *("intake.enabled", "intake.referrals_per_month", "intake.mentoring_episode_days"),
    *("intake.waiting_list.rule", "intake.waiting_list.give_up_rate_per_month"),
    "setting.*",
    "mentoring.enabled",
    "mentoring.mentors_per_100_participants",
    "mentoring.caseload_cap",
    "mentoring.matching",
    "mentoring.contacts_per_week",
    "mentoring.*",
    "training.*",
    "supervision.*",
    "meetings.*",
    "stigma.*",
    "pipeline.*",
    "costs.*",
)

#: Widget kinds a control can be.
WIDGETS = ("switch", "choice", "choices", "int", "float", "text")
#: About how many positions a slider has: fine enough to pick a value, coarse enough to hit one.
SLIDER_POSITIONS = 100
#: Most positions of a whole-number slider with step 1 (a wider range gets a coarser step).
MAX_UNIT_STEPS = 200
#: Finer than this many positions, a slider cannot pick a value: the field stays a number field.
MAX_SLIDER_POSITIONS = 1000
#: Narrower slider ranges than the schema's, where the schema's would make a useless slider:
#: the dashboard runs at most 50,000 people (session.MAX_INTERACTIVE_PEOPLE), and a slider over
#: 100 years cannot pick a day (the sliders go to 5 years). Values outside them are typed under "Any other parameter".
SLIDER_RANGES: dict[str, tuple[float, float]] = {
    "population.size": (100, 50_000),
    "days": (30, 1_825),
    "stigma.campaign_start_day": (0, 1_825),
}


@dataclass(frozen=True)
class ControlSpec:
    """What a widget needs to know about one scenario parameter."""

    key: str
    label: str
    widget: str
    default: Any
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] = ()
    unit: str = ""
    description: str = ""
    source: str = ""

    @property
    def range_text(self) -> str:
        """The allowed range in words, e.g. "1 to 100 mentees"."""
        if self.widget in ("choice", "choices"):
            return "one of " + ", ".join(map(str, self.choices))
        low = "" if self.minimum is None else _number(self.minimum)
        high = "" if self.maximum is None else _number(self.maximum)
        bounds = f"{low} to {high}" if low and high else (f">= {low}" if low else f"<= {high}")
        unit = "" if self.unit in ("switch", "choice", "text", "") else f" {self.unit}"
        return (bounds if low or high else "") + unit

    def coerce(self, value: Any) -> Any:
        """The value as the schema's type where that is unambiguous (validation does the rest)."""
        if self.widget == "int" and isinstance(value, float) and value.is_integer():
            return int(value)
        return value


@dataclass(frozen=True)
class SliderRange:
    """A slider's ends and step."""

    minimum: float
    maximum: float
    step: float


def _nice_step(span: float, positions: int) -> float:
    """The largest 1, 2 or 5 times a power of ten at most `span / positions`."""
    raw = span / positions
    power = 10 ** math.floor(math.log10(raw))
    return max(f * power for f in (1, 2, 5) if f * power <= raw * (1 + 1e-9))


def _on_grid(x: float, low: float, step: float) -> bool:
    k = (x - low) / step
    return abs(k - round(k)) < 1e-6


def slider_range(spec: ControlSpec, value: Any = None) -> SliderRange | None:
    """The slider for a number with both bounds, or None to keep a number field.

    The step is a 1-2-5 number giving about SLIDER_POSITIONS positions (whole numbers: step 1
    up to MAX_UNIT_STEPS positions), and the slider's ends are the multiples of it inside the
    schema's bounds (or the narrower SLIDER_RANGES). The default and the current value must
    be multiples of the step (a slider moves a value that is off its grid, which would edit
    the scenario by itself), else the step is made finer, down to MAX_SLIDER_POSITIONS
    positions; failing that, the field stays a number field.

    Args:
        spec: the parameter's control.
        value: its current value (None: its default).

    Returns:
        The slider's range, or None.
    """
    if spec.widget not in ("int", "float") or spec.minimum is None or spec.maximum is None:
        return None
    low, high = SLIDER_RANGES.get(spec.key, (spec.minimum, spec.maximum))
    low, high = max(low, spec.minimum), min(high, spec.maximum)
    value = spec.default if value is None else value
    if not isinstance(value, int | float) or isinstance(value, bool) or high <= low:
        return None
    step = _nice_step(high - low, SLIDER_POSITIONS)
    if spec.widget == "int":
        step = 1 if high - low <= MAX_UNIT_STEPS else max(1, int(step))
    while True:
        first = step * math.ceil(low / step - 1e-9)
        last = step * math.floor(high / step + 1e-9)
        if (last - first) / step > MAX_SLIDER_POSITIONS:
            return None
        fits = first <= value <= last and first < last
        if fits and all(_on_grid(x, 0, step) for x in (spec.default, value)):
            return SliderRange(first, last, step)
        if spec.widget == "int" and step <= 1:
            return None
        step = _nice_step(step * 0.99, 1)  # the next finer 1-2-5 step
    return None


def _number(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


def _bounds(info: Any) -> tuple[float | None, float | None]:
    low = high = None
    for item in info.metadata:
        for attr in ("ge", "gt"):
            if getattr(item, attr, None) is not None:
                low = getattr(item, attr)
        for attr in ("le", "lt"):
            if getattr(item, attr, None) is not None:
                high = getattr(item, attr)
    return low, high


def _literal_choices(annotation: Any) -> tuple[Any, ...]:
    if typing.get_origin(annotation) is typing.Literal:
        return typing.get_args(annotation)
    return ()


def _widget(annotation: Any) -> tuple[str, tuple[Any, ...]]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):  # Optional[X]: use X
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _widget(args[0])
        return "text", ()
    if choices := _literal_choices(annotation):
        return "choice", choices
    if origin in (list, tuple, set, frozenset):
        args = typing.get_args(annotation)
        if args and (choices := _literal_choices(args[0])):
            return "choices", choices
        return "text", ()
    if annotation is bool:
        return "switch", ()
    if annotation is int:
        return "int", ()
    if annotation is float:
        return "float", ()
    return "text", ()


def control_spec(key: str, info: Any) -> ControlSpec:
    """The control for one parameter, from its pydantic FieldInfo."""
    widget, choices = _widget(info.annotation)
    low, high = _bounds(info)
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    section, _, name = key.rpartition(".")
    label = name.replace("_", " ")
    if section:
        label = f"{section.replace('_', ' ')}: {label}"
    return ControlSpec(
        key=key,
        label=label,
        widget=widget,
        default=parameter_default(key),
        minimum=low,
        maximum=high,
        choices=choices,
        unit=str(extra.get("unit", "")),
        description=info.description or "",
        source=str(extra.get("source", "")),
    )


def all_specs() -> dict[str, ControlSpec]:
    """Every parameter of the schema that a widget can edit (everything but free text)."""
    specs = {}
    for key, info in iter_parameters():
        spec = control_spec(key, info)
        if spec.widget != "text":
            specs[key] = spec
    return specs


def _is_design_choice(spec: ControlSpec) -> bool:
    return spec.source.startswith("scenario design") or spec.widget in ("switch", "choice")


def lever_specs(patterns: tuple[str, ...] = LEVER_PATTERNS) -> list[ControlSpec]:
    """The main levers present in the schema, in the order of `patterns`, each once."""
    specs = all_specs()
    chosen: dict[str, ControlSpec] = {}
    for pattern in patterns:
        if "*" not in pattern:
            if pattern in specs:
                chosen.setdefault(pattern, specs[pattern])
            continue
        for key, spec in specs.items():
            if fnmatch.fnmatchcase(key, pattern) and _is_design_choice(spec):
                chosen.setdefault(key, spec)
    return list(chosen.values())


def parse_text_value(spec: ControlSpec, text: str) -> Any:
    """A value typed into a number field: a number if it reads as one, else the text itself.

    The text goes to validation as it is, so a bad entry gets the schema's own message.
    """
    text = text.strip()
    try:
        number = float(text)
    except ValueError:
        return text
    if spec.widget == "int" and number.is_integer():
        return int(number)
    return number


#: The largest seed, as in an experiment file's `seed` (a 64-bit integer column).
MAX_SEED = 2**63 - 1
#: The most of a bad value a message quotes.
MAX_QUOTED_CHARS = 100


def parse_seed(value: Any) -> int:
    """A seed typed into the page as a whole number from 0 to MAX_SEED.

    Args:
        value: the text of the seed field (or an int).

    Returns:
        The seed.

    Raises:
        ScenarioError: the value is not a whole number in that range.
    """
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, int) and not isinstance(text, bool):
        seed = text
    elif isinstance(text, str) and text.isdecimal() and text.isascii():
        seed = int(text)
    else:
        seed = -1
    if not 0 <= seed <= MAX_SEED:
        raise ScenarioError(
            "dashboard",
            "seed",
            quoted(value),
            allowed=f"a whole number from 0 to {MAX_SEED}",
        )
    return seed


def quoted(value: Any) -> Any:
    """`value`, or its first MAX_QUOTED_CHARS characters if it is long text."""
    if isinstance(value, str) and len(value) > MAX_QUOTED_CHARS:
        return value[:MAX_QUOTED_CHARS] + "..."
    return value


@solara.component
def ParameterControl(  # noqa: N802 - Solara components are CamelCase
    spec: ControlSpec,
    value: Any,
    on_value: Callable[[Any], None],
    exact: bool = False,
    disabled: bool = False,
):
    """One widget for one scenario parameter, labelled with its allowed range.

    A number with both bounds is a slider (see `slider_range`), released to apply; other
    numbers, and every number when `exact` is set, are number fields.
    """
    label = spec.label + (f" ({spec.range_text})" if spec.range_text else "")
    slider = None if exact else slider_range(spec, value)
    if spec.widget == "switch":
        solara.Switch(label=spec.label, value=bool(value), on_value=on_value, disabled=disabled)
    elif spec.widget == "choice":
        solara.Select(
            label=spec.label,
            values=list(spec.choices),
            value=value,
            on_value=on_value,
            disabled=disabled,
        )
    elif spec.widget == "choices":
        solara.SelectMultiple(
            label=spec.label,
            values=list(value),
            all_values=list(spec.choices),
            on_value=on_value,
            disabled=disabled,
        )
    elif slider is not None:
        Slider(spec, value, slider, on_value, disabled)
    elif spec.widget == "int":
        solara.InputInt(label=label, value=int(value), on_value=on_value, disabled=disabled)
    elif spec.widget == "float":
        solara.InputFloat(label=label, value=float(value), on_value=on_value, disabled=disabled)


@solara.component
def Slider(  # noqa: N802 - Solara components are CamelCase
    spec: ControlSpec,
    value: float,
    slider: SliderRange,
    on_value: Callable[[Any], None],
    disabled: bool = False,
):
    """A slider labelled with the value, its unit and the allowed range; applies on release.

    Vuetify's slider reports every position while it is dragged, and every change restarts
    the run, so the value is taken from its `change` event (the mouse let go, or a key).
    """
    unit = "" if spec.unit in ("", "switch", "choice") else f" {spec.unit}"
    ends = f"{_number(slider.minimum)} to {_number(slider.maximum)}"
    with solara.Column(gap="0px", classes=["rs-slider"]):
        solara.Text(
            f"{spec.label} = {_number(value)}{unit} ({ends})",
            classes=["rs-slider-label"],
            style={"font-size": "0.85em", "color": "rgba(0, 0, 0, 0.6)"},
        )
        widget = solara.v.Slider(
            v_model=value,
            min=slider.minimum,
            max=slider.maximum,
            step=slider.step,
            thumb_label=True,
            disabled=disabled,
            hide_details=True,
            dense=True,
            class_=css_class(key=spec.key),
        )

    def changed(_widget, _event, data) -> None:
        if data is not None and data != value:
            on_value(spec.coerce(int(data) if spec.widget == "int" else float(data)))

    solara.v.use_event(widget, "change", changed)


def css_class(key: str) -> str:
    """The page's class for a parameter's control, e.g. "rs-key-mentoring-caseload_cap"."""
    return "rs-key-" + key.replace(".", "-")
