"""What a model component is: its declarations, its build and its month.

A component is one part of the monthly model (demand, market, procurement,
allocation, finance, cohorts, and later safety gates or macro growth). It
declares in one place:

* the scenario keys it reads (:attr:`Component.keys`), so that the draws layer
  samples exactly those, and per lab where a lab sets its own;
* its random streams (:meth:`Component.streams`), sampled up front: a
  market stream is shared by all labs, a lab's own stream is named
  ``labs.NAME.<stream>`` (:meth:`~frontiersim.scenario.schema.Lab.stream`);
* its outputs (:attr:`Component.outputs`), which the engine records and the
  results layer labels (:mod:`frontiersim.models.catalogue`);
* a :meth:`Component.step` for each month, which reads what earlier
  components wrote in the month's :class:`MonthState` and writes its own
  values.

Labs
----
A run simulates ``L`` labs for ``n`` draws at once. A per-lab array is flat,
of length ``n * L``, draw-major: column ``i * L + l`` is lab ``l`` in draw
``i``, so :meth:`LabLayout.by_draw` views it as ``(n, L)`` without a copy and
a market step sees every lab of a draw side by side. With one lab a per-lab
array is exactly the per-draw array of a single-lab model.

The month's state
-----------------
:class:`MonthState` holds named arrays. A component reads values written
earlier in the same month with ``state[name]`` and last month's with
:meth:`MonthState.last` (how feedback, such as training compute raising
capability, crosses months). Components assign new arrays and never change
an array in place, so last month's values stay as they were.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from frontiersim.draws.sampling import Draws, ShockStream
from frontiersim.models.catalogue import OutputSpec
from frontiersim.scenario.schema import Lab, Scenario

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class LabLayout:
    """How ``n`` draws of ``L`` labs are laid out in flat per-lab arrays.

    Attributes
    ----------
    names : tuple of str
        Lab names, in order.
    draws : int
        Draws in the chunk.
    """

    names: tuple[str, ...]
    draws: int

    @property
    def labs(self) -> int:
        """Number of labs."""
        return len(self.names)

    @property
    def columns(self) -> int:
        """Length of a per-lab array, ``draws * labs``."""
        return self.draws * self.labs

    def spread(self, market: FloatArray) -> FloatArray:
        """A per-draw (market) array repeated for every lab, ``(n,) -> (n * L,)`` (itself for one lab)."""
        if self.labs == 1:
            return market
        spread: FloatArray = np.repeat(market, self.labs, axis=0)
        return spread

    def by_draw(self, per_lab: FloatArray) -> FloatArray:
        """A per-lab array viewed as ``(n, L)`` (no copy)."""
        view: FloatArray = per_lab.reshape(self.draws, self.labs, *per_lab.shape[1:])
        return view

    def stack(self, per_lab: Sequence[FloatArray]) -> FloatArray:
        """Per-draw arrays, one per lab, interleaved into one per-lab array (the array itself for one lab)."""
        if self.labs == 1:
            return per_lab[0]
        stacked: FloatArray = np.stack(per_lab, axis=1).reshape(self.columns, *per_lab[0].shape[1:])
        return stacked

    def lab_columns(self, lab: int) -> slice:
        """The columns of lab ``lab`` in a per-lab array."""
        return slice(lab, None, self.labs)


class Setup:
    """What a component builds from: the scenario, the chunk's draws and the lab layout.

    Parameters
    ----------
    scenario : Scenario
    draws : Draws
        The chunk's sampled parameters and shocks.
    policy : ProcurementPolicy, mapping of lab name to one, or None
        Policies in place of the scenario's: one for every lab, or some labs'
        by name.
    """

    def __init__(self, scenario: Scenario, draws: Draws, policy: Any = None) -> None:
        self.scenario = scenario
        self.draws = draws
        self.policy = policy
        self.labs: tuple[Lab, ...] = scenario.labs
        self.layout = LabLayout(tuple(lab.name for lab in self.labs), draws.size)
        self.months = scenario.horizon_months

    def parameter(self, path: str) -> FloatArray:
        """The shared draw of uncertain key ``path``, ``(n,)``."""
        return self.draws[path]

    def lab_parameter(self, path: str) -> FloatArray:
        """Each lab's draw of uncertain key ``path``, ``(n * L,)`` (its own stream where it sets the key)."""
        return self.layout.stack([self.draws[lab.parameter_stream(path)] for lab in self.labs])

    def lab_values(self, value: Callable[[Lab], float]) -> FloatArray:
        """A fixed per-lab setting as a per-lab array, ``(n * L,)``."""
        return self.layout.stack([np.full(self.layout.draws, float(value(lab))) for lab in self.labs])

    def shocks(self, stream: str) -> FloatArray:
        """A market stream's shocks, ``(n, months)``."""
        return self.draws.shocks[stream]

    def lab_shocks_by_month(self, stream: str) -> FloatArray:
        """A per-lab stream's shocks, month-major, ``(months, n * L)``."""
        per_lab = [self.draws.shocks[lab.stream(stream)].T for lab in self.labs]
        if len(per_lab) == 1:
            return np.ascontiguousarray(per_lab[0])
        stacked: FloatArray = np.stack(per_lab, axis=2).reshape(self.months, self.layout.columns)
        return stacked


class MonthState:
    """Named arrays of the current month, and last month's.

    Attributes
    ----------
    month : int
        The month being stepped.
    values : dict of ndarray
        Values written so far this month (and, until a component writes
        them, the ones carried over from last month).
    """

    def __init__(self, initial: dict[str, Any]) -> None:
        self.month = -1
        self.values: dict[str, Any] = dict(initial)
        self._previous: dict[str, Any] = dict(initial)

    def advance(self, month: int) -> None:
        """Start ``month``: this month's values become last month's."""
        self.month = month
        self._previous = dict(self.values)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def __setitem__(self, name: str, value: Any) -> None:
        self.values[name] = value

    def __contains__(self, name: object) -> bool:
        return name in self.values

    def get(self, name: str, default: Any = None) -> Any:
        """The value of ``name`` this month, or ``default``."""
        return self.values.get(name, default)

    def last(self, name: str, default: Any = None) -> Any:
        """Last month's value of ``name`` (``default`` before the first month)."""
        return self._previous.get(name, default)


class Component(ABC):
    """One part of the monthly model (see the module notes).

    Subclasses set the class attributes and implement :meth:`build` and
    :meth:`step`.

    Attributes
    ----------
    kind : str
        Registry name, e.g. ``"demand.growth"``.
    role : str
        Its place in the month, e.g. ``"demand"``; the engine runs roles in
        the order of :data:`frontiersim.models.registry.ROLES`.
    keys : tuple of str
        Dotted scenario keys it reads. Keys in a lab section (``compute``,
        ``operations``, ``finance``, ``policy``) are per lab.
    section : tuple of (str, type) or None
        A scenario section of the component's own, outside the built-in
        schema: its TOML name and a dataclass of
        :func:`~frontiersim.scenario.fields.spec` fields (each key with its
        unit, label, bounds, default and source). Read it with
        ``scenario.section(name)``; its uncertain keys are sampled when
        listed in :attr:`keys`.
    outputs : tuple of OutputSpec
        What it records.
    """

    kind: ClassVar[str]
    role: ClassVar[str]
    keys: ClassVar[tuple[str, ...]] = ()
    section: ClassVar[tuple[str, type] | None] = None
    outputs: ClassVar[tuple[OutputSpec, ...]] = ()

    @classmethod
    def keys_for(cls, scenario: Scenario) -> tuple[str, ...]:
        """Keys read in ``scenario`` (override when they depend on it, e.g. one per segment)."""
        return cls.keys

    @classmethod
    def streams(cls, scenario: Scenario) -> tuple[ShockStream, ...]:
        """Random streams in ``scenario``; a lab's own stream is named by :meth:`Lab.stream`."""
        return ()

    @classmethod
    def outputs_for(cls, scenario: Scenario) -> tuple[OutputSpec, ...]:
        """Outputs recorded in ``scenario`` (override when they depend on it)."""
        return cls.outputs

    @classmethod
    @abstractmethod
    def build(cls, setup: Setup) -> Component:
        """The component for one chunk of draws."""

    def start(self, state: MonthState) -> None:  # noqa: B027 - optional hook, empty by default
        """Put the component's values before month 0 into ``state``."""

    @abstractmethod
    def step(self, state: MonthState) -> None:
        """Advance one month: read from ``state`` and write this component's values."""

    def finish(self, state: MonthState) -> dict[str, NDArray[Any]]:
        """Outputs recorded once, at the end (``final``, ``model``, ``yearly`` or ``milestone`` shapes)."""
        return {}
