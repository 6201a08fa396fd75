"""Population and program apart: which scenario keys describe the people served, which the program.

A comparison is only causal when the designs serve the same population. Every schema key is one
of three kinds:

- `about`: names the file (name, description, extends, population_from); never compared.
- `population`: the people and their context — cohort mix, network, stigma at the start, relapse
  and recovery biology, overdose risk, prices and health-economic values, the follow-up length.
  Two designs compared with each other must agree on every one of these.
- `program`: what a design does — mentoring, setting, training, supervision, mentors' wellbeing,
  the mentor pipeline, meetings, tie work, campaigns, outreach.

Whole sections are classified by `SECTION_KIND`; `KEY_KIND` overrides single keys inside a
section (the stigma mechanism's starting state is population, its campaign is program). A test
checks that every key of the schema gets a kind, so a new section cannot slip through.

The counterfactual of a design is the same population with no program: every program key back at
its schema default and the program switches in `NO_PROGRAM` off.
"""

from __future__ import annotations

from typing import Any, Literal

from simulation.scenario.schema import Scenario, iter_parameters

Kind = Literal["about", "population", "program"]

#: The kind of every key of a section, unless KEY_KIND says otherwise for a key.
SECTION_KIND: dict[str, Kind] = {
    "name": "about",
    "description": "about",
    "extends": "about",
    "population_from": "about",
    "days": "population",  # the follow-up: compared designs must share it
    "population": "population",
    # Who is referred, when and from where; how the program serves them is below (issue 15).
    "intake": "population",
    "network": "population",
    "relapse": "population",
    "recovery": "population",
    "psychology": "population",
    "mental_health": "population",
    "overdose": "population",
    "costs": "population",  # prices of the place, the same whatever the design buys
    "economics": "population",  # utilities, offsets, discounting, willingness to pay
    "engagement": "population",  # how engagement decays is the people's; outreach is below
    "stigma": "population",  # stigma at the start; campaigns are below
    "mentoring": "program",
    "setting": "program",
    "training": "program",
    "supervision": "program",
    "mentor_wellbeing": "program",
    "pipeline": "program",
    "meetings": "program",
    "tie_dynamics": "program",
}

#: Keys whose kind differs from their section's.
KEY_KIND: dict[str, Kind] = {
    "stigma.campaign": "program",
    "stigma.campaign_start_day": "program",
    "stigma.campaign_strength_per_year": "program",
    "stigma.inclusive_program": "program",
    "stigma.inclusive_strength_per_year": "program",
    "engagement.outreach_rate_per_year": "program",
    "intake.mentoring_episode_days": "program",
    "intake.waiting_list.rule": "program",
    "intake.waiting_list.first_contact_on_matching": "program",
    # How fast people give up waiting is theirs, whatever the queue they are in.
    "intake.waiting_list.give_up_rate_per_month": "population",
    # People's liking for digital contact is theirs, whatever setting a design offers.
    "setting.digital_preference.youth_mean": "population",
    "setting.digital_preference.adult_mean": "population",
    "setting.digital_preference.older_adult_mean": "population",
    "setting.digital_preference.spread": "population",
}

#: Program switches set off in a counterfactual (other program keys go back to their defaults,
#: which are usual care: no mentoring, community setting, no tool, no pipeline, no meetings).
NO_PROGRAM: dict[str, Any] = {
    "mentoring.enabled": False,
    "setting.self_guided_tool.enabled": False,
    "pipeline.enabled": False,
    "meetings.enabled": False,
    "stigma.campaign": False,
    "stigma.inclusive_program": False,
}

#: What a counterfactual's name adds to its design's.
COUNTERFACTUAL_SUFFIX = " without program"


def key_kind(key: str) -> Kind:
    """The kind of a dotted schema key.

    Args:
        key: a dotted key such as "population.size".

    Returns:
        "about", "population" or "program".

    Raises:
        KeyError: the key's section is not classified.

    Example:
        >>> key_kind("population.substance_mix.opioids"), key_kind("stigma.campaign")
        ('population', 'program')
    """
    if key in KEY_KIND:
        return KEY_KIND[key]
    return SECTION_KIND[key.split(".", 1)[0]]


def keys_of_kind(kind: Kind) -> list[str]:
    """Every schema key of one kind, in schema order."""
    return [key for key, _ in iter_parameters() if key_kind(key) == kind]


def resolved_values(scenario: Scenario) -> dict[str, Any]:
    """Every leaf key of a scenario with its value, in schema order."""
    values: dict[str, Any] = {}
    dumped = scenario.model_dump()
    for key, _ in iter_parameters():
        node: Any = dumped
        for part in key.split("."):
            node = node[part]
        values[key] = node
    return values


def differing_keys(a: Scenario, b: Scenario, kind: Kind | None = None) -> dict[str, tuple]:
    """The keys whose resolved values differ between two scenarios, with both values.

    Args:
        a: one scenario.
        b: the other.
        kind: only keys of this kind (None: every key, `about` ones included).

    Returns:
        {dotted key: (value in a, value in b)}, in schema order.
    """
    mine, theirs = resolved_values(a), resolved_values(b)
    return {
        key: (mine[key], theirs[key])
        for key in mine
        if mine[key] != theirs[key] and (kind is None or key_kind(key) == kind)
    }


def counterfactual(design: Scenario) -> Scenario:
    """The design's population with no program: "<name> without program".

    Args:
        design: a program design.

    Returns:
        A scenario with the design's population keys, every program key at its default and the
        switches of NO_PROGRAM off.

    Example:
        >>> design = Scenario(name="m", population={"veteran_share": 0.8},
        ...                   mentoring={"enabled": True})
        >>> base = counterfactual(design)
        >>> base.name, base.population.veteran_share, base.mentoring.enabled
        ('m without program', 0.8, False)
    """
    data = design.model_dump()
    default = Scenario().model_dump()
    for key in keys_of_kind("program"):
        _set(data, key, _get(default, key))
    for key, value in NO_PROGRAM.items():
        _set(data, key, value)
    data["name"] = design.name[: 80 - len(COUNTERFACTUAL_SUFFIX)] + COUNTERFACTUAL_SUFFIX
    data["description"] = f"The population of {design.name}, with no program (usual care)."
    data.pop("extends", None)
    data.pop("population_from", None)
    return Scenario.model_validate(data)


def _get(data: dict[str, Any], key: str) -> Any:
    for part in key.split("."):
        data = data[part]
    return data


def _set(data: dict[str, Any], key: str, value: Any) -> None:
    *parents, last = key.split(".")
    for part in parents:
        data = data[part]
    data[last] = value


def path_kinds(path: str) -> set[Kind]:
    """The kinds of the schema keys at or under a dotted path (empty: not a schema path)."""
    return {
        key_kind(key) for key, _ in iter_parameters() if key == path or key.startswith(path + ".")
    }


def population_part(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """The population and context keys of a scenario mapping (nested, as in a file).

    Args:
        data: a scenario mapping, or a section of one.
        prefix: the dotted path of `data` inside the scenario ("" for the whole).

    Returns:
        A nested mapping holding only the keys of kind "population".

    Example:
        >>> population_part({"population": {"size": 9}, "mentoring": {"enabled": True},
        ...                  "stigma": {"campaign": True, "stigma_floor": 0.2}})
        {'population': {'size': 9}, 'stigma': {'stigma_floor': 0.2}}
    """
    part: dict[str, Any] = {}
    for name, value in data.items():
        path = prefix + str(name)
        kinds = path_kinds(path)
        if kinds == {"population"}:
            part[name] = value
        elif "population" in kinds and isinstance(value, dict):
            inner = population_part(value, path + ".")
            if inner:
                part[name] = inner
    return part
