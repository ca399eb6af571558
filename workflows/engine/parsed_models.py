"""A bundle parsed once per process: specs per process, lane roles and names per node.

Parsing a bundle takes far longer than a step, so each is parsed once and kept by its
content hash; every case on that bundle shares the specs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from workflows.engine import patches
from workflows.engine.bundle import ModelBundle
from workflows.engine.errors import ModelError
from workflows.engine.script_engine import CaseScriptEngine, ClockedTimeDate

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


class ParsedModels:
    """A bundle parsed once: specs per process, lane roles and names per flow node."""

    def __init__(self, bundle: ModelBundle) -> None:
        patches.require_installed()
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
            self.process_ids: list[str] = sorted(parser.get_process_ids())
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
        specs: dict[str, Any] = self._subprocess_specs[process_id]
        return specs

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

    def decision(
        self, process_id: str, task_id: str, data: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """What the process's business-rule task ``task_id`` decides for ``data``, evaluated
        by its decision table as a running case would; None if the process has no such task.
        """
        for task_spec in self.spec(process_id).task_specs.values():
            table = getattr(task_spec, "dmnEngine", None)
            if table is None or task_spec.bpmn_id != task_id:
                continue
            script_engine = CaseScriptEngine(now=lambda: datetime.now(UTC), functions={})
            task = SimpleNamespace(
                data=dict(data), workflow=SimpleNamespace(script_engine=script_engine)
            )
            return dict(table.result(task))
        return None


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
