"""Descriptors that make an agent's attributes read and write its row of the model's arrays."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


class RowAttribute:
    """An agent attribute stored in `model.people.<array>[agent.row]`.

    With `names`, the stored integer code reads as its name (status 2 reads "relapsed"), so
    `AgentSet.groupby("status")` groups by plain words.
    """

    def __init__(
        self,
        array: str,
        names: Sequence[str] | None = None,
        convert: Callable[[Any], Any] | None = None,
    ):
        self.array = array
        self.names = names
        self.convert = convert

    def __set_name__(self, owner: type, name: str) -> None:
        self.__doc__ = f"This person's `{self.array}` (a view of the model's array)."

    def __get__(self, agent: Any, owner: type | None = None) -> Any:
        if agent is None:
            return self
        value = getattr(agent.model.people, self.array)[agent.row]
        if self.names is not None:
            return self.names[int(value)]
        return self.convert(value) if self.convert else value.item()

    def __set__(self, agent: Any, value: Any) -> None:
        if self.names is not None:
            value = self.names.index(value)
        getattr(agent.model.people, self.array)[agent.row] = value
