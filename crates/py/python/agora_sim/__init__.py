"""agora from Python: run a scenario, get its tables as pandas DataFrames.

    >>> import agora_sim
    >>> r = agora_sim.run("showcase", agents=200, steps=60, replicates=3)
    >>> r.summary                      # one row per (regime, metric): mean and 95% interval
    >>> r.timeseries                   # one row per (regime, replicate, step)
    >>> r.comparison                   # each regime minus the baseline, paired
    >>> s = agora_sim.sweep("robustness", agents=200, steps=60, replicates=2)
    >>> s.table, s.sensitivity         # sweep.csv and sensitivity.csv

The simulation runs in this process (the same engine as the ``agora`` command) and its
tables come over as Arrow data (the Arrow PyCapsule interface), each holding exactly the
values of the CSV file ``agora run`` writes for the same scenario and seed. A run writes
nothing to disk: the plots, the report and ``[output] dir`` belong to ``agora run``. A sweep
keeps its folder, as ``agora sweep`` does: it resumes there, and its tables are read from it.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Callable, Dict, List, Optional, Union

import pyarrow

from ._agora import RunError, ScenarioError, Table, __version__
from ._agora import bundled as _bundled
from ._agora import run as _run
from ._agora import sweep as _sweep

__all__ = ["run", "sweep", "bundled", "Run", "Sweep", "ScenarioError", "RunError", "AgoraWarning", "__version__"]


class AgoraWarning(UserWarning):
    """A setting agora accepted but that acts on nothing in this scenario (``agora run``'s
    warnings)."""


def bundled() -> List[str]:
    """The names of the scenarios compiled into agora (``showcase``, ``tragedy``, ...,
    ``validation/kinetic``); :func:`run` takes any of them in place of a file."""
    return list(_bundled())


class Run:
    """A finished run. Its tables are pandas DataFrames (``to_arrow`` and ``to_polars`` give
    the same tables as pyarrow or Polars tables).

    Attributes: ``name`` (the scenario's), ``scenario_file`` (the file read, or
    ``<bundled>/NAME.toml``), ``resolved_toml`` (the scenario with every default filled in,
    as ``scenario.resolved.toml``), ``agent_steps``, ``seconds`` (wall time of the
    simulation), ``threads``, ``warnings``.
    """

    def __init__(self, raw: Dict[str, object]):
        self._raw = raw
        self.name: str = raw["name"]
        self.scenario_file: Optional[str] = raw["scenario_file"]
        self.resolved_toml: str = raw["resolved_toml"]
        self.agent_steps: int = raw["agent_steps"]
        self.seconds: float = raw["seconds"]
        self.threads: int = raw["threads"]
        self.warnings: List[str] = list(raw["warnings"])

    def to_arrow(self, table: str = "summary", step: Optional[int] = None) -> pyarrow.Table:
        """A table as a pyarrow Table: ``timeseries``, ``summary``, ``comparison``, or
        ``agents`` with the snapshot ``step``."""
        if table == "agents":
            snaps = self._raw["agents"]
            if step not in snaps:
                raise KeyError(f"no snapshot at step {step}; the snapshot steps are {sorted(snaps)}")
            return pyarrow.table(snaps[step])
        if table not in ("timeseries", "summary", "comparison"):
            raise KeyError(f"no table `{table}`: timeseries, summary, comparison or agents")
        t = self._raw[table]
        if t is None:
            raise KeyError("no comparison: the scenario has one entry")
        return pyarrow.table(t)

    def to_polars(self, table: str = "summary", step: Optional[int] = None):
        """A table as a Polars DataFrame (needs the ``polars`` package)."""
        import polars

        return polars.from_arrow(self.to_arrow(table, step))

    @property
    def timeseries(self):
        """One row per regime, replicate and recorded step: every metric (``timeseries.csv``)."""
        return self.to_arrow("timeseries").to_pandas()

    @property
    def summary(self):
        """Each regime's mean of each metric over replicates, with its 95% interval
        (``summary.csv``)."""
        return self.to_arrow("summary").to_pandas()

    @property
    def comparison(self):
        """Each regime minus the baseline, paired by replicate (``comparison.csv``); ``None``
        for a scenario of one entry."""
        return None if self._raw["comparison"] is None else self.to_arrow("comparison").to_pandas()

    @property
    def agents(self):
        """The agents at each snapshot step, ``{step: DataFrame}`` (``agents_step<T>.csv``)."""
        return {step: self.to_arrow("agents", step).to_pandas() for step in sorted(self._raw["agents"])}

    def __repr__(self) -> str:
        return f"<agora_sim.Run {self.name}: {self.agent_steps} agent-steps in {self.seconds:.2f} s>"


class Sweep:
    """A finished sweep: ``table`` (``sweep.csv``: one row per point and regime) and
    ``sensitivity`` (``sensitivity.csv``, for the lhs, sobol and morris designs; else
    ``None``) as pandas DataFrames, read from the sweep's folder ``dir``.

    Attributes: ``name``, ``dir``, ``points``, ``runs``, ``ran`` (this call), ``reused``
    (found done in the folder), ``failed``, ``seconds``, ``notes``, ``warnings``.
    """

    def __init__(self, raw: Dict[str, object]):
        self._raw = raw
        for key in ("name", "dir", "points", "runs", "ran", "reused", "failed", "seconds"):
            setattr(self, key, raw[key])
        self.notes: List[str] = list(raw["notes"])
        self.warnings: List[str] = list(raw["warnings"])

    def to_arrow(self, table: str = "table") -> Optional[pyarrow.Table]:
        """``table`` or ``sensitivity`` as a pyarrow Table (``None`` if the sweep has none)."""
        if table not in ("table", "sensitivity"):
            raise KeyError(f"no table `{table}`: table or sensitivity")
        t = self._raw[table]
        return None if t is None else pyarrow.table(t)

    @property
    def table(self):
        """``sweep.csv``: per point and regime, each headline metric's mean and interval."""
        t = self.to_arrow("table")
        return None if t is None else t.to_pandas()

    @property
    def sensitivity(self):
        """``sensitivity.csv``: each parameter's sensitivity index per metric, or ``None``."""
        t = self.to_arrow("sensitivity")
        return None if t is None else t.to_pandas()

    def __repr__(self) -> str:
        return f"<agora_sim.Sweep {self.name}: {self.points} points in {self.dir}>"


def _bar(done: int, total: int) -> None:
    """A one-line progress bar on stderr."""
    width = 30
    filled = width * done // max(total, 1)
    end = "\n" if done >= total else ""
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}{end}")
    sys.stderr.flush()


def _progress(progress: Union[bool, None, Callable[[int, int], object]]):
    """The callback for a ``progress`` argument."""
    if progress is None:
        progress = sys.stderr.isatty()
    return _bar if progress is True else (progress or None)


def run(
    scenario: Union[str, "os.PathLike[str]"],
    *,
    agents: Optional[int] = None,
    steps: Optional[int] = None,
    replicates: Optional[int] = None,
    seed: Optional[int] = None,
    warmup: Optional[int] = None,
    threads: Optional[int] = None,
    progress: Union[bool, None, Callable[[int, int], object]] = None,
) -> Run:
    """Runs a scenario and returns its tables.

    ``scenario`` is a TOML file or the name of a bundled scenario (see :func:`bundled`); a
    file of that name comes first. The keywords lay settings over the scenario's, as the
    command's flags do (``agents=200`` is ``--agents 200``); ``threads`` never changes a
    result. ``progress`` is ``True`` for a bar on stderr, ``False`` for none, a function
    ``f(done, total)`` of world-steps, or ``None`` (the default): a bar when stderr is a
    terminal. Ctrl-C stops the run at the next step and raises ``KeyboardInterrupt``.

    Raises :class:`ScenarioError` (a ``ValueError``) with the message ``agora run`` prints
    for a scenario or a setting it refuses, and :class:`RunError` when a run fails.
    Settings accepted that act on nothing come as :class:`AgoraWarning`.
    """
    raw = _run(
        os.fspath(scenario),
        agents=agents,
        steps=steps,
        replicates=replicates,
        seed=seed,
        warmup=warmup,
        threads=threads,
        progress=_progress(progress),
    )
    result = Run(raw)
    for w in result.warnings:
        warnings.warn(w, AgoraWarning, stacklevel=2)
    return result


def sweep(
    scenario: Union[str, "os.PathLike[str]"],
    *,
    out: Union[str, "os.PathLike[str]", None] = None,
    agents: Optional[int] = None,
    steps: Optional[int] = None,
    replicates: Optional[int] = None,
    seed: Optional[int] = None,
    warmup: Optional[int] = None,
    threads: Optional[int] = None,
    progress: Union[bool, None, Callable[[int, int], object]] = None,
) -> Sweep:
    """Runs every point of a scenario's ``[sweep]`` that is not done yet, as ``agora sweep``
    does, in its folder (``output/<name>``, or ``out``), and returns its tables.

    The arguments are those of :func:`run`, plus ``out``; ``progress`` counts runs (point and
    replicate). Ctrl-C stops at the next run and raises ``KeyboardInterrupt``; the runs done
    are kept, and the same call goes on from them.
    """
    raw = _sweep(
        os.fspath(scenario),
        out=None if out is None else os.fspath(out),
        agents=agents,
        steps=steps,
        replicates=replicates,
        seed=seed,
        warmup=warmup,
        threads=threads,
        progress=_progress(progress),
    )
    result = Sweep(raw)
    for w in result.warnings:
        warnings.warn(w, AgoraWarning, stacklevel=2)
    return result
