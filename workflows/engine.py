"""The engine adapter: the only module that talks to SpiffWorkflow.

It knows BPMN and the case's data, nothing of HTTP or the database. A deployed set of
models is a ``ModelBundle`` identified by the hash of its files; it is parsed once per
process and cases keep running on the bundle they started on. A case's engine state is
serialized without its specs (they are stored once per bundle), and the script
environment, which SpiffWorkflow does not serialize, is attached again on every load.
"""

from __future__ import annotations

import ast
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping
from copy import copy
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property, lru_cache
from pathlib import Path
from types import CodeType
from typing import Any

from lxml import etree
from SpiffWorkflow import task as spiff_task_module
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnSubWorkflowConverter,
    BpmnWorkflowConverter,
    TaskConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

from workflows import compaction

# SpiffWorkflow logs every task state change at INFO and, while its loggers' own level is
# unset, attaches the task data and the workflow's whole task list to each record, built
# whether or not anything is listening. The service logs steps itself (the case history).
for _name in ("spiff.task", "spiff.workflow", "spiff.dmn", "spiff.data"):
    logging.getLogger(_name).setLevel(logging.WARNING)

_TASK_LOG = logging.getLogger("spiff.task")
_library_set_state = Task._set_state


def _set_state(self: Task, value: int) -> None:
    """``Task._set_state`` without building a log record nobody will read.

    The library formats the state's name twice and collects a dictionary of log fields on
    every state change (a task changes state four or five times per run) before handing
    them to a logger that, at WARNING, drops them: a sixth of a replay's time. When its
    INFO records are wanted, the library's own method runs.
    """
    if _TASK_LOG.isEnabledFor(logging.INFO):
        _library_set_state(self, value)
    elif value != self._state:
        self.last_state_change = time.time()
        self._state = value


Task._set_state = _set_state
_library_inherit_data = Task._inherit_data
_SHALLOW_COPIED = (dict, list, set)


def _inherit_data(self: Task) -> None:
    """``Task._inherit_data`` with the two common cases done without the key-by-key merge.

    A task inherits its parent's data when it becomes ready. Four times in five its own
    data is still empty and the library's ``DeepMerge.merge`` then copies each value
    (containers shallowly); otherwise its data nearly always already equals the parent's
    and the merge changes nothing. The merge walked every key in Python: a tenth of a
    replay. Any other case goes to the library's merge.
    """
    data = self.data
    parent_data = self.parent.data
    if not data:
        data.update(
            {k: copy(v) if isinstance(v, _SHALLOW_COPIED) else v for k, v in parent_data.items()}
        )
    elif data != parent_data:
        _library_inherit_data(self)


Task._inherit_data = _inherit_data

# Hot loops read ``Task._state`` directly: the ``state`` property costs a call per task.
_READY = TaskState.READY
_WAITING = TaskState.WAITING

MODELS_DIR = Path(os.environ.get("MODELS_DIR", Path(__file__).resolve().parent.parent / "bpmn"))
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"

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


class ModelError(Exception):
    """A model bundle cannot be deployed (invalid XML, unknown process, unsupported timer)."""


class TaskNotReady(Exception):
    """The task a caller wants to complete is not open in this case (any more)."""


@dataclass(frozen=True)
class ModelBundle:
    """One deployed version of every BPMN and DMN file, identified by content hash."""

    files: Mapping[str, str]

    @cached_property
    def version(self) -> str:
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(name.encode())
            digest.update(b"\0")
            digest.update(self.files[name].encode())
            digest.update(b"\0")
        return digest.hexdigest()

    @classmethod
    def from_directory(cls, directory: Path = MODELS_DIR) -> ModelBundle:
        """The bundle the directory holds now.

        Every filing starts on the current models, so this is asked once per filing; the
        files are read again only when a name, inode, size or modification time has changed.
        """
        paths = [p for p in sorted(directory.iterdir()) if p.suffix in (".bpmn", ".dmn")]
        stats = [(p.name, p.stat()) for p in paths]
        key = (str(directory), tuple((n, s.st_ino, s.st_size, s.st_mtime_ns) for n, s in stats))
        bundle = _read_bundles.get(key)
        if bundle is None:
            bundle = cls(files={p.name: p.read_text(encoding="utf-8") for p in paths})
            _read_bundles.clear()
            _read_bundles[key] = bundle
        return bundle


_read_bundles: dict[tuple, ModelBundle] = {}


@dataclass(frozen=True)
class OpenTask:
    """A human task waiting in a case: what the inbox and the forms need to know."""

    task_id: str
    bpmn_id: str
    name: str
    role: str
    process_id: str
    due_at: datetime | None


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
        return my_task._get_internal_data("event_fired", False)


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

    def evaluate(self, expression, context, external_context=None):
        return super().evaluate(_compiled(expression, "eval"), context, external_context)

    def execute(self, script, context, external_context=None):
        return super().execute(_compiled(script, "exec"), context, external_context)


class CaseScriptEngine(PythonScriptEngine):
    """Script engine with a small allow-list of names and the service's clock."""

    def __init__(self, now: Callable[[], datetime], functions: Mapping[str, Callable]) -> None:
        env_globals = {"__builtins__": _SAFE_BUILTINS, **functions}
        super().__init__(environment=_CompiledEnvironment(env_globals))
        self.now = now

    def validate(self, expression: str) -> None:
        _syntax_checked(expression)


# Task ids are kept as their text, not as ``UUID`` objects. The library hashes ids on
# every task lookup (thousands per replayed case) and ``UUID.__hash__`` is Python code,
# three times the cost of a ``str`` key whose hash is computed once; the text is also
# what a saved state holds, so loading and saving convert nothing. New ids are random
# version-4 UUIDs in their canonical form, made without building a ``UUID`` first.
_UUID_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def new_task_id() -> str:
    """A random version-4 UUID as text: the id of a task SpiffWorkflow creates."""
    h = os.urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_UUID_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


spiff_task_module.uuid4 = new_task_id


class _TextTaskIds:
    """Workflow converters for text task ids. The library's own mappings already pass
    text keys through; only its ``last_task`` lookup parses a ``UUID``."""

    def set_default_attributes(self, workflow, dct) -> None:
        last_task = dct.get("last_task")
        dct["last_task"] = None
        super().set_default_attributes(workflow, dct)
        workflow.last_task = workflow.tasks.get(last_task) if last_task is not None else None


class _TaskStateConverter(TaskConverter):
    """SpiffWorkflow's task format (its data as a delta from the parent's), with the
    ids kept as text."""

    def to_dict(self, task: Task) -> dict[str, Any]:
        parent = task.parent
        if parent is None:
            data, delta = task.data, {}
        else:
            data = {}
            delta = {
                "updates": DeepMerge.get_updated_keys(parent.data, task.data),
                "deletions": DeepMerge.get_deleted_keys(parent.data, task.data),
            }
        return {
            "id": task.id,
            "parent": task._parent if parent is not None else None,
            "children": list(task._children),
            "last_state_change": task.last_state_change,
            "state": task._state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": self.registry.convert(task.internal_data),
            "data": data,
            "delta": delta,
        }

    def from_dict(self, dct: dict[str, Any], workflow: Any) -> Task:
        task_spec = workflow.spec.task_specs.get(dct["task_spec"])
        task = self.target_class(workflow, task_spec, state=dct["state"], id=dct["id"])
        task._parent = dct["parent"]
        task._children = dct["children"]
        task.last_state_change = dct["last_state_change"]
        task.triggered = dct["triggered"]
        task.internal_data = self.registry.restore(dct["internal_data"])
        if isinstance(task_spec, CatchingEvent) and task._state & TaskState.WAITING:
            task.workflow.top_workflow.event_manager.add_task(task)
        delta = dct.get("delta")
        parent = task.parent
        if delta and parent is not None:
            data = DeepMerge.merge({}, parent.data)
            data.update(self.registry.restore(delta.get("updates", {})))
            for key in delta.get("deletions", []):
                data.pop(key, None)
        else:
            data = self.registry.restore(dct["data"])
        task.data = data
        return task


class _SubWorkflowConverter(_TextTaskIds, BpmnSubWorkflowConverter):
    """A called process's state, its ids kept as text."""

    def from_dict(self, dct, task, top_workflow) -> BpmnSubWorkflow:
        spec = top_workflow.subprocess_specs.get(task.task_spec.spec)
        subprocess = self.target_class(spec, task.id, top_workflow, deserializing=True)
        subprocess.tasks = self.mapping_from_dict(dct["tasks"], workflow=subprocess)
        subprocess.task_tree = subprocess.tasks.get(dct["root"])
        self.set_default_attributes(subprocess, dct)
        return subprocess


class _StateConverter(_TextTaskIds, BpmnWorkflowConverter):
    """Serializes a workflow without its specs; they live once per bundle, not per case."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], spec=None, subprocess_specs=None) -> BpmnWorkflow:
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], workflow=workflow)
        workflow.task_tree = workflow.tasks.get(dct["root"])
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow

    def subprocesses_from_dict(self, dct, workflow, top_workflow=None) -> None:
        """Called processes, each after the process holding its call activity."""
        top_workflow = top_workflow or workflow
        for task in workflow.tasks.values():
            if not isinstance(task.task_spec, SubWorkflowTask):
                continue
            if task.id in dct:
                subprocess = self.registry.restore(
                    dct.pop(task.id), task=task, top_workflow=top_workflow
                )
                top_workflow.subprocesses[task.id] = subprocess
                subprocess.completed_event.connect(task.task_spec._on_subworkflow_completed, task)
                self.subprocesses_from_dict(dct, subprocess, top_workflow)


def _update_waiting(process: BpmnWorkflow | BpmnSubWorkflow) -> None:
    """Update a process's WAITING tasks, found by scanning its task dictionary.

    SpiffWorkflow does this after every completed task by walking the whole tree, which
    was about a seventh of replaying a history. Our models hold only timers and join
    instances in WAITING, whose updates do not depend on one another's order, and an
    update never makes another task wait; a task cancelled by an earlier update in the
    same pass is skipped, as the library's lazy walk would skip it.
    """
    for task in [t for t in process.tasks.values() if t._state == _WAITING]:
        if task._state == _WAITING:
            task.task_spec._update(task)


class CaseSubWorkflow(BpmnSubWorkflow):
    """A called process (prior approval, oversight) of a compacted case."""

    def update_waiting_tasks(self) -> None:
        _update_waiting(self)


class CaseWorkflow(BpmnWorkflow):
    """The workflow of a case filed with compaction; its called processes are
    ``CaseSubWorkflow``s. Cases filed before keep SpiffWorkflow's own classes, and their
    recorded behaviour, when they are loaded or replayed."""

    def update_waiting_tasks(self) -> None:
        _update_waiting(self)

    def create_subprocess(self, my_task: Task, spec_name: str) -> CaseSubWorkflow:
        subprocess = CaseSubWorkflow(
            self.subprocess_specs[spec_name], parent_task_id=my_task.id, top_workflow=self
        )
        self.subprocesses[my_task.id] = subprocess
        return subprocess


def _serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[Task] = _TaskStateConverter
    config[BpmnWorkflow] = _StateConverter
    config[CaseWorkflow] = _StateConverter
    config[BpmnSubWorkflow] = _SubWorkflowConverter
    config[CaseSubWorkflow] = _SubWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


class ParsedModels:
    """A bundle parsed once: specs per process, lane roles and names per flow node."""

    def __init__(self, bundle: ModelBundle) -> None:
        self.bundle = bundle
        self.version = bundle.version
        parser = SpiffBpmnParser(validator=BpmnValidator())
        self._roles: dict[tuple[str, str], str] = {}
        self._names: dict[tuple[str, str], str] = {}
        try:
            for name in sorted(bundle.files):
                root = etree.fromstring(bundle.files[name].encode("utf-8"))
                if name.endswith(".bpmn"):
                    parser.add_bpmn_xml(root, filename=name)
                    self._read_lanes(root)
                else:
                    parser.add_dmn_xml(root, filename=name)
            self.process_ids = sorted(parser.get_process_ids())
            self._specs = {pid: parser.get_spec(pid) for pid in self.process_ids}
            self._subprocess_specs = {
                pid: parser.get_subprocess_specs(pid) for pid in self.process_ids
            }
        except ModelError:
            raise
        except Exception as exc:
            raise ModelError(f"models do not parse: {exc}") from exc
        for spec in self._all_specs():
            self._use_case_clock(spec)

    def _read_lanes(self, root: etree._Element) -> None:
        ns = {"bpmn": BPMN_NS}
        for process in root.iterfind("bpmn:process", ns):
            pid = process.get("id")
            for lane in process.iterfind(".//bpmn:lane", ns):
                role = (lane.get("id") or "").removeprefix("lane_")
                for ref in lane.iterfind("bpmn:flowNodeRef", ns):
                    self._roles[(pid, ref.text.strip())] = role
            for node in process.iter():
                if node.get("id") and node.get("name"):
                    self._names[(pid, node.get("id"))] = node.get("name")

    def _all_specs(self) -> Iterator[Any]:
        seen: set[int] = set()
        for pid in self.process_ids:
            for spec in [self._specs[pid], *self._subprocess_specs[pid].values()]:
                if id(spec) not in seen:
                    seen.add(id(spec))
                    yield spec

    @staticmethod
    def _use_case_clock(process_spec: Any) -> None:
        for task_spec in process_spec.task_specs.values():
            definition = getattr(task_spec, "event_definition", None)
            if isinstance(definition, TimerEventDefinition):
                if type(definition) is not TimeDateEventDefinition:
                    raise ModelError(
                        f"{process_spec.name}/{task_spec.name}: only timeDate timers are supported"
                    )
                task_spec.event_definition = ClockedTimeDate(
                    definition.name, definition.expression, description=definition.description
                )

    def spec(self, process_id: str) -> Any:
        try:
            return self._specs[process_id]
        except KeyError:
            raise ModelError(f"no process {process_id!r} in models {self.version[:12]}") from None

    def subprocess_specs(self, process_id: str) -> dict[str, Any]:
        return self._subprocess_specs[process_id]

    def role(self, process_id: str, node_id: str) -> str:
        return self._roles.get((process_id, node_id), "")

    def name(self, process_id: str, node_id: str) -> str:
        return self._names.get((process_id, node_id), node_id)

    def user_tasks(self) -> list[tuple[str, str, str, str]]:
        """Every user task in the bundle as (process id, node id, name, role)."""
        rows = []
        for spec in self._all_specs():
            for task_spec in spec.task_specs.values():
                if task_spec.manual:
                    bpmn_id = task_spec.bpmn_id
                    rows.append(
                        (
                            spec.name,
                            bpmn_id,
                            self.name(spec.name, bpmn_id),
                            self.role(spec.name, bpmn_id),
                        )
                    )
        return sorted(rows)


def run_engine_steps(workflow: BpmnWorkflow) -> None:
    """Run every READY engine task (gateways, events, rule tasks) until only people's work
    or timers remain — ``BpmnWorkflow.do_engine_steps`` with a cheaper search.

    The library walks the whole task tree (subprocesses included) to find READY tasks,
    several times per step; that walk was most of the cost of completing a task and of
    replaying a history. Here the READY tasks are found by scanning each process's task
    dictionary, in an order fixed by the tree (a subprocess comes after the process that
    holds its call activity), so a live run and its replay run tasks in the same order.
    """
    while _engine_pass(workflow):
        pass
    workflow.refresh_timers()


def _engine_pass(workflow: BpmnWorkflow) -> bool:
    active = workflow.get_active_subprocesses()
    for subprocess in sorted(active, key=lambda sp: sp.depth, reverse=True):
        while _run_ready([subprocess]):
            pass
        if subprocess.parent_task_id is not None:
            task = workflow.get_task_from_id(subprocess.parent_task_id)
            task.task_spec._update(task)
    ran = _run_ready(_processes_in_tree_order(workflow))
    return ran > 0 or len(workflow.get_active_subprocesses()) > len(active)


def _processes_in_tree_order(workflow: BpmnWorkflow) -> list[Any]:
    """The case's process and its called processes, each after the process calling it.

    Called processes under one process follow the order of their call activities in its
    task dictionary; a process rarely holds more than one, so that order is only worked
    out (a scan of the dictionary) when it does.
    """
    subprocesses = workflow.subprocesses
    ordered = [workflow]
    for process in ordered:
        held = [task_id for task_id in subprocesses if task_id in process.tasks]
        if len(held) > 1:
            held = [task_id for task_id in process.tasks if task_id in subprocesses]
        ordered.extend(subprocesses[task_id] for task_id in held)
    return ordered


def _run_ready(processes: list[Any]) -> int:
    count = 0
    for process in processes:
        ready = [t for t in process.tasks.values() if t._state == _READY and not t.task_spec.manual]
        for task in ready:
            if task._state == _READY:
                task.run()
                count += 1
    return count


_parsed: dict[str, ParsedModels] = {}


def parsed(bundle: ModelBundle) -> ParsedModels:
    """Parse each bundle once per process; bundles are identified by their content hash."""
    version = bundle.version
    if version not in _parsed:
        _parsed[version] = ParsedModels(bundle)
    return _parsed[version]


def parsed_version(version: str) -> ParsedModels | None:
    """The already-parsed bundle of ``version``, if this process has one."""
    return _parsed.get(version)


class CaseEngine:
    """Starts, advances, saves and restores the BPMN workflow of one case."""

    _serializer = _serializer()

    def __init__(self, models: ParsedModels) -> None:
        self.models = models

    def start(
        self,
        process_id: str,
        data: Mapping[str, Any],
        script_engine: CaseScriptEngine,
        compact: bool = True,
    ) -> BpmnWorkflow:
        """Start a case; ``compact=False`` only to replay cases filed before compaction."""
        workflow_class = CaseWorkflow if compact else BpmnWorkflow
        workflow = workflow_class(
            self.models.spec(process_id),
            self.models.subprocess_specs(process_id),
            script_engine=script_engine,
        )
        if compact:
            compaction.enable(workflow)
        workflow.task_tree.data.update(data)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(data)
        run_engine_steps(workflow)
        compaction.compact(workflow)
        return workflow

    def open_tasks(self, workflow: BpmnWorkflow) -> list[OpenTask]:
        tasks = []
        for task in self._ready_user_tasks(workflow):
            pid = task.workflow.spec.name
            bpmn_id = task.task_spec.bpmn_id
            tasks.append(
                OpenTask(
                    task_id=task.id,
                    bpmn_id=bpmn_id,
                    name=self.models.name(pid, bpmn_id),
                    role=self.models.role(pid, bpmn_id),
                    process_id=pid,
                    due_at=self._due_at(task),
                )
            )
        return tasks

    @staticmethod
    def _due_at(task: Task) -> datetime | None:
        """The deadline a boundary timer puts on ``task``, if one is attached."""
        if task.parent is None or not isinstance(task.parent.task_spec, BoundaryEventSplit):
            return None
        dues = [
            TimerEventDefinition.get_datetime(value)
            for sibling in task.parent.children
            if isinstance(getattr(sibling.task_spec, "event_definition", None), ClockedTimeDate)
            and (value := sibling._get_internal_data("event_value")) is not None
        ]
        return min(dues) if dues else None

    def task_data(self, workflow: BpmnWorkflow, bpmn_id: str) -> dict[str, Any]:
        """The data an open task sees (earlier steps' results), for validating its form."""
        return dict(self._ready_task(workflow, bpmn_id).data)

    def complete(self, workflow: BpmnWorkflow, bpmn_id: str, data: Mapping[str, Any]) -> None:
        task = self._ready_task(workflow, bpmn_id)
        task.data.update(data)
        task.run()
        run_engine_steps(workflow)
        compaction.compact(workflow)

    def _ready_task(self, workflow: BpmnWorkflow, bpmn_id: str) -> Task:
        for task in self._ready_user_tasks(workflow):
            if task.task_spec.bpmn_id == bpmn_id:
                return task
        raise TaskNotReady(bpmn_id)

    @staticmethod
    def _ready_user_tasks(workflow: BpmnWorkflow) -> Iterator[Task]:
        """READY user tasks of the case and its subprocesses, in creation order.

        Scanning the task dictionaries is several times cheaper than SpiffWorkflow's
        tree iterator, which matters on every completion and every replayed step.
        """
        for process in (workflow, *workflow.subprocesses.values()):
            for task in process.tasks.values():
                if task.state == TaskState.READY and task.task_spec.manual:
                    yield task

    def fire_due_timers(self, workflow: BpmnWorkflow) -> list[str]:
        """Fire every timer the case's clock says is due; returns the fired timers' ids."""
        waiting = self._waiting_timers(workflow)
        workflow.refresh_timers()
        fired = [t.task_spec.bpmn_id for t in waiting if t.state != TaskState.WAITING]
        if fired:
            run_engine_steps(workflow)
            compaction.compact(workflow)
        return fired

    @staticmethod
    def _waiting_timers(workflow: BpmnWorkflow) -> list[Task]:
        return [
            t
            for t in workflow.get_tasks(state=TaskState.WAITING)
            if isinstance(getattr(t.task_spec, "event_definition", None), ClockedTimeDate)
        ]

    def next_timer_due(self, workflow: BpmnWorkflow) -> datetime | None:
        """The earliest instant a waiting timer of this case falls due, if any."""
        dues = [
            TimerEventDefinition.get_datetime(value)
            for t in self._waiting_timers(workflow)
            if (value := t._get_internal_data("event_value")) is not None
        ]
        return min(dues) if dues else None

    def dump(self, workflow: BpmnWorkflow) -> str:
        return self._serializer.serialize_json(workflow)

    def load(self, state: str, script_engine: CaseScriptEngine, process_id: str) -> BpmnWorkflow:
        dct = json.loads(state)
        self._serializer.migrate(dct)
        workflow = self._serializer.from_dict(
            dct,
            spec=self.models.spec(process_id),
            subprocess_specs=self.models.subprocess_specs(process_id),
        )
        workflow.script_engine = script_engine
        return workflow

    @staticmethod
    def is_completed(workflow: BpmnWorkflow) -> bool:
        return workflow.is_completed()

    @staticmethod
    def ended_at(workflow: BpmnWorkflow) -> str | None:
        """The end event of the matter process the case reached, if it has ended."""
        if not workflow.is_completed():
            return None
        for task in workflow.get_tasks(state=TaskState.COMPLETED):
            if task.workflow is workflow and task.task_spec.__class__.__name__ == "EndEvent":
                return task.task_spec.bpmn_id
        return None

    @staticmethod
    def path_taken(workflow: BpmnWorkflow) -> list[tuple[str, str]]:
        """(process id, node id) of every completed BPMN node, for drawing the path."""
        return compaction.visited_nodes(workflow) + [
            (t.workflow.spec.name, t.task_spec.bpmn_id)
            for t in workflow.get_tasks(state=TaskState.COMPLETED)
            if t.task_spec.bpmn_id
        ]

    @staticmethod
    def digest(workflow: BpmnWorkflow) -> str:
        """A hash of what defines the case's state, independent of task UUIDs.

        Replay produces new UUIDs and timestamps, so the comparison uses the task tree's
        shape (process, node and state of every task in tree order), the data of every
        task not yet completed (completed tasks' data flowed into them), the timers'
        values and the workflow's own data.
        """
        rows: list[Any] = []
        for task in workflow.get_tasks():
            row = [task.workflow.spec.name, task.task_spec.name, task.state]
            if task.state != TaskState.COMPLETED:
                row.append(task.data)
                row.append(task.internal_data.get("event_value"))
            rows.append(row)
        rows.append(["workflow", workflow.data, workflow.is_completed()])
        text = json.dumps(rows, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
