"""The models' script engine: expressions and scripts compiled once per process must
still read each task's own data, and errors must read as they did when every
evaluation compiled its text afresh."""

from __future__ import annotations

from datetime import datetime

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.util.task import TaskState

from workflows.deadlines import DeadlineLog
from workflows.engine.bundle import ModelBundle
from workflows.engine.case_engine import CaseEngine
from workflows.engine.parsed_models import parsed
from workflows.engine.script_engine import CaseScriptEngine
from workflows.settings import Settings
from workflows.work_calendar import SHANGHAI, WorkCalendar

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def task():
    """An open task of a started oversight process, with data of our choosing."""
    engine = CaseEngine(parsed(ModelBundle.from_directory()))
    log = DeadlineLog(NOW, Settings(), WorkCalendar())
    script = CaseScriptEngine(now=lambda: NOW, functions={"deadline": log})
    workflow = engine.start("oversight", {"request": {}}, script)
    return next(
        t for t in workflow.tasks.values() if t.task_spec.manual and t.state == TaskState.READY
    )


def test_one_expression_reads_each_tasks_own_data(task) -> None:
    script = task.workflow.script_engine
    task.data["votes"] = 3
    assert script.evaluate(task, "votes * 2 > 5") is True
    task.data["votes"] = 2
    assert script.evaluate(task, "votes * 2 > 5") is False


def test_a_failing_expression_names_itself_every_time(task) -> None:
    script = task.workflow.script_engine
    for _ in range(2):
        with pytest.raises(WorkflowTaskException, match="missing_field > 1"):
            script.evaluate(task, "missing_field > 1")


def test_a_syntax_error_is_refused_every_time(task) -> None:
    script = task.workflow.script_engine
    script.validate("a < 3")
    for _ in range(2):
        with pytest.raises(SyntaxError):
            script.validate("< 3")


def test_a_failing_script_names_its_line(task) -> None:
    script = task.workflow.script_engine
    text = "total = 1\nshare = total / nobody_here"
    for _ in range(2):
        with pytest.raises(WorkflowTaskException) as raised:
            script.execute(task, text)
        assert (raised.value.line_number, raised.value.error_line) == (2, text.splitlines()[1])
    script.execute(task, "result = 6 * 7")
    assert task.data["result"] == 42
