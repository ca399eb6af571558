"""The case's process pictures: the matter process and the shared processes it calls.

The pictures are drawn from the model version the case runs on, with the nodes the case
has passed in green, its open steps outlined and overdue steps in red. The same drawing
serves the live case page and every step of the auditor's replay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from service.cases.catalogue import kind_name
from service.cases.model_store import models_for
from service.core.models import Case, CaseState, ModelVersion
from workflows.diagram.drawing import diagram_ids, render_svg
from workflows.engine.case_engine import CaseEngine
from workflows.engine.script_engine import CaseScriptEngine
from workflows.i18n import _

# The shared processes a matter calls, each with its call activity in the matter model.
CALLED = (
    ("prior_approval", "prior_approval_call", _("事前审批（受理·集体研究·书面批复）")),
    ("oversight", "oversight_call", _("监督实施（实施报告·监督检查·整改）")),
)


@dataclass(frozen=True)
class Diagram:
    title: str
    # An SVG document drawn from the deployed model: trusted markup, shown as it is.
    svg: str
    active: bool


def process_files(session: Session, version: str) -> dict[str, str]:
    """Process id → the XML of the file that holds it, for one deployed model version."""
    row = session.get(ModelVersion, version)
    files: dict[str, str] = {}
    for name, xml in (row.files if row else {}).items():
        if name.endswith(".bpmn"):
            for pid in diagram_ids(xml):
                files[pid] = xml
    return files


def case_diagrams(
    files: dict[str, str],
    engine: CaseEngine,
    workflow: Any,
    process_id: str,
    title: str,
    now: datetime,
) -> list[Diagram]:
    """The matter process and, beneath it, each called process, highlighted per state.

    ``now`` decides which open steps are drawn as overdue: the present on the case page,
    the moment of the event on a replayed step.
    """
    done: dict[str, set[str]] = {}
    for pid, node in engine.path_taken(workflow):
        done.setdefault(pid, set()).add(node)
    current: dict[str, set[str]] = {}
    late: dict[str, set[str]] = {}
    for task in engine.open_tasks(workflow):
        current.setdefault(task.process_id, set()).add(task.bpmn_id)
        if task.due_at is not None and task.due_at < now:
            late.setdefault(task.process_id, set()).add(task.bpmn_id)
    for called, activity, _name in CALLED:
        if current.get(called) and activity not in done.get(process_id, set()):
            current.setdefault(process_id, set()).add(activity)
    pictures = [(process_id, title)] + [(pid, name) for pid, _a, name in CALLED]
    result = []
    for pid, name in pictures:
        if pid not in files:
            continue
        svg = render_svg(
            files[pid],
            pid,
            done=done.get(pid, set()),
            current=current.get(pid, set()),
            overdue=late.get(pid, set()),
            title=name,
        )
        active = pid == process_id or bool(done.get(pid) or current.get(pid))
        result.append(Diagram(name, svg, active))
    return result


def live_diagrams(session: Session, case: Case, now: datetime) -> list[Diagram]:
    """The case page's pictures: the case's engine state restored for reading (nothing is
    saved), drawn with the steps overdue at ``now``."""
    engine = CaseEngine(models_for(session, case.model_version))
    state = session.get(CaseState, case.id)
    workflow = engine.load(
        state.state, CaseScriptEngine(now=lambda: now, functions={}), case.process_id
    )
    return case_diagrams(
        process_files(session, case.model_version),
        engine,
        workflow,
        case.process_id,
        kind_name(case.matter_type),
        now,
    )
