"""Where a model's expressions and scripts run, and the clock its timers ask.

SpiffWorkflow evaluates conditions, timer expressions and decision-table cells with
Python's ``eval``; models see only a few builtins and the functions the service passes
(``deadline``), and each text is compiled once per process, not on every evaluation.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from types import CodeType
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.task import Task

# Builtins a model expression may use; everything else (imports, open, attribute tricks
# through ``__class__``) is out of reach because models only see these names.
_SAFE_BUILTINS: dict[str, Any] = {
    "True": True,
    "False": False,
    "None": None,
    "len": len,
    "min": min,
    "max": max,
    "abs": abs,
    "int": int,
    "str": str,
    "bool": bool,
}


@lru_cache(maxsize=4096)
def _compiled(source: str, mode: str) -> CodeType:
    """A model's expression or script, compiled once per process.

    ``eval`` and ``exec`` of a string compile it on every call; a case evaluates a dozen
    conditions and timer expressions per step, and a replay all of them again.
    """
    return compile(source, "<string>", mode)


@lru_cache(maxsize=4096)
def _syntax_checked(expression: str) -> None:
    """``PythonScriptEngine.validate`` once per text: decision tables check every cell's
    syntax before each evaluation. A failing text raises every time (not cached)."""
    ast.parse(expression)


class _CompiledEnvironment(TaskDataEnvironment):
    """SpiffWorkflow's task-data environment, running cached code objects."""

    def evaluate(
        self,
        expression: str,
        context: dict[str, Any],
        external_context: dict[str, Any] | None = None,
    ) -> Any:
        return super().evaluate(_compiled(expression, "eval"), context, external_context)

    def execute(
        self,
        script: str,
        context: dict[str, Any],
        external_context: dict[str, Any] | None = None,
    ) -> Any:
        return super().execute(_compiled(script, "exec"), context, external_context)


class CaseScriptEngine(PythonScriptEngine):
    """Script engine with a small allow-list of names and the service's clock."""

    def __init__(
        self, now: Callable[[], datetime], functions: Mapping[str, Callable[..., Any]]
    ) -> None:
        env_globals = {"__builtins__": _SAFE_BUILTINS, **functions}
        super().__init__(environment=_CompiledEnvironment(env_globals))
        self.now = now

    def validate(self, expression: str) -> None:
        _syntax_checked(expression)


class ClockedTimeDate(TimeDateEventDefinition):
    """A timeDate timer that asks the case's clock, not the wall clock, whether it is due.

    This makes timers testable with a controlled clock and lets replay fire them at the
    recorded instant.
    """

    def has_fired(self, my_task: Task) -> bool:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            my_task._set_internal_data(event_value=event_value)
        due = TimerEventDefinition.get_datetime(event_value)
        if due <= my_task.workflow.script_engine.now():
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))
