"""The BPMN/DMN models: valid, fully drawn, lint-clean, and executable along every path.

The models are the product (design.md): administrators open them in a standard modeler,
and the engine runs them as they are. These tests hold them to the fixed contract (process,
task, lane and end-event ids, gateway variables, the vote-rule table) so a model edited in a
modeler cannot silently break the service.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from workflows.catalogue import MATTERS
from workflows.deadlines import TIME_LIMITS

REPO = Path(__file__).resolve().parent.parent
MODELS = REPO / "bpmn"
BPMN_FILES = sorted(MODELS.glob("*.bpmn"))
DMN_FILE = MODELS / "vote_rule.dmn"

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
FLOW_NODE_TAGS = (
    "startEvent",
    "endEvent",
    "boundaryEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "task",
    "userTask",
    "manualTask",
    "scriptTask",
    "serviceTask",
    "businessRuleTask",
    "sendTask",
    "receiveTask",
    "callActivity",
    "subProcess",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
)
LANE_NAMES = {
    "lane_applicant": "申请单位",
    "lane_party_secretary": "社区党组织书记",
    "lane_party_committee": "社区党组织委员会",
    "lane_street": "街道党工委",
}

# Matter steps on the happy path after prior approval (firm_exit: owners dismiss the firm),
# as each matter module (workflows/matters/) declares them.
MATTER_STEPS: dict[str, list[str]] = {code: list(m.after_approval) for code, m in MATTERS.items()}
MATTER_TYPES = list(MATTER_STEPS)
# Steps some matters run before prior approval (an emergency is acknowledged first).
BEFORE_APPROVAL = {step for m in MATTERS.values() for step in m.before_approval}

# The periodic duties (workflows/duties.py): the lane of every user task and the end events.
DUTY_ROLES: dict[str, dict[str, str]] = {
    "quarterly_report": {
        "quarterly_submission": "applicant",
        "quarterly_review": "party_secretary",
        "quarterly_supplement": "applicant",
        "supervise_quarterly_submission": "street",
        "supervise_quarterly_review": "street",
        "supervise_quarterly_supplement": "street",
    },
    "year_end_review": {
        "annual_report": "applicant",
        "annual_evaluation": "party_secretary",
        "rectification_progress": "applicant",
        "rectification_check": "party_secretary",
        "supervise_annual_report": "street",
        "supervise_annual_evaluation": "street",
        "supervise_rectification_progress": "street",
        "supervise_rectification_check": "street",
    },
    "incident_report": {
        "incident_acknowledgement": "party_secretary",
        "incident_follow_up": "applicant",
        "supervise_incident_acknowledgement": "street",
        "supervise_incident_follow_up": "street",
    },
}
# Timers on a date the users or the schedule set, rather than on the step's own rule.
TIMER_EXPRESSIONS = {
    "rectification": 'deadline("rectification", rectification_deadline)',
    "quarterly_submission": 'deadline("quarterly_submission", report_due_on)',
    "annual_report": 'deadline("annual_report", report_due_on)',
    "rectification_progress": 'deadline("rectification_progress", next_rectification_due_on)',
}
VOTING_MATTERS = [m for m, steps in MATTER_STEPS.items() if "owners_vote" in steps]
HAPPY_SUB_TYPE = {code: next(iter(m.sub_types)) for code, m in MATTERS.items() if m.sub_types}

# (matter_type, sub_type, vote_item, vote_rule) — the contract's table, every sub-type, as
# each matter module states the rule of 民法典 278 the DMN table must give.
VOTE_RULES = [
    (code, sub_type, item, rule)
    for code, m in MATTERS.items()
    for sub_type, (item, rule) in m.vote_rules.items()
]


def _roles(process_id: str) -> dict[str, str]:
    """The contract's role (lane) of every user task of a process."""
    if process_id in DUTY_ROLES:
        return DUTY_ROLES[process_id]
    if process_id == "prior_approval":
        return {
            "acceptance_check": "party_secretary",
            "supplement": "applicant",
            "collective_study": "party_committee",
            "written_reply": "party_secretary",
            "supervise_acceptance_check": "street",
            "supervise_collective_study": "street",
            "supervise_written_reply": "street",
            "supervise_supplement": "street",
        }
    if process_id == "oversight":
        return {
            "implementation_report": "applicant",
            "oversight_review": "party_secretary",
            "rectification": "applicant",
            "supervise_oversight_review": "street",
            "supervise_rectification": "street",
            "supervise_implementation_report": "street",
        }
    matter = MATTERS[process_id.removeprefix("matter_")]
    roles = {step.id: step.role for step in matter.matter_steps}
    roles.update({f"supervise_{step}": "street" for step in _timed_tasks(process_id)})
    return roles


def _end_events(process_id: str) -> set[str]:
    """The contract's end events of a process."""
    if process_id in DUTY_ROLES:
        supervised = {
            t.replace("supervise_", "supervised_", 1) for t in _duty_supervisions(process_id)
        }
        return {"case_closed"} | supervised
    if process_id == "prior_approval":
        return {
            "prior_approval_approved",
            "prior_approval_rejected",
            "supervised_acceptance_check",
            "supervised_collective_study",
            "supervised_written_reply",
            "supervised_supplement",
        }
    if process_id == "oversight":
        return {
            "oversight_closed",
            "supervised_oversight_review",
            "supervised_rectification",
            "supervised_implementation_report",
        }
    code = process_id.removeprefix("matter_")
    ends = {"case_rejected", "case_closed"}
    if code in VOTING_MATTERS:
        ends.add("vote_failed")
    ends.update(f"supervised_{step}" for step in _timed_tasks(process_id))
    return ends


def _timed_tasks(process_id: str) -> set[str]:
    """The user tasks that carry a deadline timer."""
    if process_id in DUTY_ROLES:
        return {t.removeprefix("supervise_") for t in _duty_supervisions(process_id)}
    if process_id == "prior_approval":
        return {"acceptance_check", "collective_study", "written_reply", "supplement"}
    if process_id == "oversight":
        return {"oversight_review", "rectification", "implementation_report"}
    matter = MATTERS[process_id.removeprefix("matter_")]
    return {step.id for step in matter.matter_steps if step.time_limit is not None}


def _duty_supervisions(process_id: str) -> list[str]:
    return [t for t in DUTY_ROLES[process_id] if t.startswith("supervise_")]


def _model_ids() -> list[str]:
    return [p.stem for p in BPMN_FILES]


def test_every_contract_model_is_present() -> None:
    """A missing file would otherwise just shrink the parametrized tests below."""
    expected = {"prior_approval", "oversight"} | {f"matter_{m}" for m in MATTER_TYPES}
    expected |= set(DUTY_ROLES)
    assert set(_model_ids()) == expected
    assert DMN_FILE.is_file()


# --------------------------------------------------------------------------- structure


def _tree(path: Path) -> etree._ElementTree:
    return etree.parse(str(path))


def _flow_nodes(process: etree._Element) -> list[etree._Element]:
    return [el for el in process if etree.QName(el).localname in FLOW_NODE_TAGS]


@pytest.mark.parametrize("path", BPMN_FILES, ids=_model_ids())
def test_parses_against_the_xsd(path: Path) -> None:
    """SpiffWorkflow's own XSD check, plus building the spec, catches what a modeler lets by."""
    parser = SpiffBpmnParser(validator=BpmnValidator())
    parser.add_bpmn_file(str(path))
    parser.add_dmn_file(str(DMN_FILE))
    assert parser.get_process_ids() == [path.stem]
    assert parser.get_spec(path.stem) is not None


@pytest.mark.parametrize("path", BPMN_FILES, ids=_model_ids())
def test_collaboration_lanes_and_roles(path: Path) -> None:
    """The engine maps a task to a role through its lane id, so every node needs one lane."""
    root = _tree(path).getroot()
    [process] = root.findall("bpmn:process", NS)
    assert process.get("id") == path.stem
    assert process.get("isExecutable") == "true"
    participants = root.findall("bpmn:collaboration/bpmn:participant", NS)
    assert [p.get("processRef") for p in participants] == [path.stem]

    lanes = process.findall("bpmn:laneSet/bpmn:lane", NS)
    assert lanes
    lane_of: dict[str, list[str]] = {}
    for lane in lanes:
        assert LANE_NAMES.get(lane.get("id")) == lane.get("name"), lane.get("id")
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            lane_of.setdefault(ref.text, []).append(lane.get("id"))
    node_ids = {n.get("id") for n in _flow_nodes(process)}
    assert set(lane_of) == node_ids
    assert all(len(refs) == 1 for refs in lane_of.values()), lane_of

    user_tasks = {
        t.get("id"): lane_of[t.get("id")][0] for t in process.findall("bpmn:userTask", NS)
    }
    assert all(lane.startswith("lane_") for lane in user_tasks.values())
    assert {t: lane.removeprefix("lane_") for t, lane in user_tasks.items()} == _roles(path.stem)


@pytest.mark.parametrize("path", BPMN_FILES, ids=_model_ids())
def test_contract_ids_and_timers(path: Path) -> None:
    """End-event ids and deadline timers are what the service records and schedules on."""
    process = _tree(path).getroot().find("bpmn:process", NS)
    ends = {e.get("id") for e in process.findall("bpmn:endEvent", NS)}
    assert ends == _end_events(path.stem)

    boundaries = process.findall("bpmn:boundaryEvent", NS)
    assert {b.get("attachedToRef") for b in boundaries} == _timed_tasks(path.stem)
    for boundary in boundaries:
        task = boundary.get("attachedToRef")
        assert boundary.get("id") == f"overdue_{task}"
        assert boundary.get("cancelActivity") == "false"
        time_date = boundary.find("bpmn:timerEventDefinition/bpmn:timeDate", NS)
        assert time_date.text == TIMER_EXPRESSIONS.get(task, f'deadline("{task}")')
        [flow_id] = [o.text for o in boundary.findall("bpmn:outgoing", NS)]
        flow = process.find(f"bpmn:sequenceFlow[@id='{flow_id}']", NS)
        assert flow.get("targetRef") == f"supervise_{task}"

    if path.stem.startswith("matter_"):
        calls = {
            c.get("id"): c.get("calledElement") for c in process.findall("bpmn:callActivity", NS)
        }
        assert calls == {"prior_approval_call": "prior_approval", "oversight_call": "oversight"}
        rules = process.findall("bpmn:businessRuleTask", NS)
        decisions = [
            r.findtext("bpmn:extensionElements/spiffworkflow:calledDecisionId", namespaces=NS)
            for r in rules
        ]
        assert [r.get("id") for r in rules] == (
            ["determine_vote_rule"] if path.stem.removeprefix("matter_") in VOTING_MATTERS else []
        )
        assert decisions == ["vote_rule"] * len(rules)


@pytest.mark.parametrize("path", BPMN_FILES, ids=_model_ids())
def test_every_human_step_has_a_deadline(path: Path) -> None:
    """Nobody's step goes without one (issue 18): every user task but the street's own
    督办 carries a timer, due by a [config] setting or on a date the users set."""
    process = _tree(path).getroot().find("bpmn:process", NS)
    steps = {
        t.get("id")
        for t in process.findall("bpmn:userTask", NS)
        if not t.get("id").startswith("supervise_")
    }
    timed = {b.get("attachedToRef") for b in process.findall("bpmn:boundaryEvent", NS)}
    assert steps - timed == set()
    assert {s for s in steps if s not in TIMER_EXPRESSIONS} <= set(TIME_LIMITS)


@pytest.mark.parametrize("path", BPMN_FILES, ids=_model_ids())
def test_incoming_outgoing_and_labels(path: Path) -> None:
    """Explicit incoming/outgoing must agree with the flows; every node carries a label."""
    process = _tree(path).getroot().find("bpmn:process", NS)
    flows = process.findall("bpmn:sequenceFlow", NS)
    for node in _flow_nodes(process):
        node_id, kind = node.get("id"), etree.QName(node).localname
        incoming = sorted(e.text for e in node.findall("bpmn:incoming", NS))
        outgoing = sorted(e.text for e in node.findall("bpmn:outgoing", NS))
        assert incoming == sorted(f.get("id") for f in flows if f.get("targetRef") == node_id)
        assert outgoing == sorted(f.get("id") for f in flows if f.get("sourceRef") == node_id)
        assert (node.get("name") or "").strip(), f"{node_id} has no name"
        if kind in ("startEvent", "boundaryEvent"):
            assert not incoming and len(outgoing) == 1, node_id
        elif kind == "endEvent":
            assert incoming and not outgoing, node_id
        elif kind == "exclusiveGateway":
            assert incoming and outgoing and (len(incoming) == 1 or len(outgoing) == 1), node_id
        else:
            assert len(incoming) == 1 and len(outgoing) == 1, f"{node_id}: merge/split explicitly"

    for gateway in process.findall("bpmn:exclusiveGateway", NS):
        forks = [f for f in flows if f.get("sourceRef") == gateway.get("id")]
        if len(forks) < 2:
            continue
        for flow in forks:
            if flow.get("id") == gateway.get("default"):
                continue
            assert (flow.get("name") or "").strip(), flow.get("id")
            condition = flow.find("bpmn:conditionExpression", NS)
            assert condition is not None and condition.text.strip(), flow.get("id")
            compile(condition.text, flow.get("id"), "eval")


@pytest.mark.parametrize("path", BPMN_FILES, ids=_model_ids())
def test_diagram_interchange_is_complete(path: Path) -> None:
    """Without full BPMNDI a modeler opens the file blank or moves things around."""
    root = _tree(path).getroot()
    process = root.find("bpmn:process", NS)
    shapes = {s.get("bpmnElement"): s for s in root.iterfind(".//bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement"): e for e in root.iterfind(".//bpmndi:BPMNEdge", NS)}

    horizontal = [root.find("bpmn:collaboration/bpmn:participant", NS)]
    horizontal += process.findall("bpmn:laneSet/bpmn:lane", NS)
    for element in horizontal:
        shape = shapes[element.get("id")]
        assert shape.get("isHorizontal") == "true"
        assert shape.find("dc:Bounds", NS) is not None

    for node in _flow_nodes(process):
        shape = shapes.get(node.get("id"))
        assert shape is not None, f"{node.get('id')} has no BPMNShape"
        bounds = shape.find("dc:Bounds", NS)
        size = (float(bounds.get("width")), float(bounds.get("height")))
        kind = etree.QName(node).localname
        if kind.endswith("Event"):
            assert size == (36, 36), node.get("id")
            assert shape.find("bpmndi:BPMNLabel/dc:Bounds", NS) is not None, node.get("id")
        elif kind.endswith("Gateway"):
            assert size == (50, 50), node.get("id")
            assert shape.find("bpmndi:BPMNLabel/dc:Bounds", NS) is not None, node.get("id")
        else:
            assert size == (100, 80), node.get("id")

    for flow in process.findall("bpmn:sequenceFlow", NS):
        edge = edges.get(flow.get("id"))
        assert edge is not None, f"{flow.get('id')} has no BPMNEdge"
        points = [(p.get("x"), p.get("y")) for p in edge.findall("di:waypoint", NS)]
        assert len(points) >= 2, flow.get("id")
        assert all(a[0] == b[0] or a[1] == b[1] for a, b in pairwise(points)), (
            f"{flow.get('id')} is not orthogonal"
        )


@pytest.mark.parametrize("path", BPMN_FILES, ids=_model_ids())
def test_bpmnlint_recommended_rules_pass(path: Path) -> None:
    """Lint as a modeler's user would; CI installs bpmnlint with `npm ci` before pytest."""
    npx = shutil.which("npx")
    assert npx, "npx is not on PATH: install Node.js 20"
    assert (REPO / "node_modules" / "bpmnlint").is_dir(), "node_modules missing: run `npm ci`"
    result = subprocess.run(
        [npx, "--no-install", "bpmnlint", str(path.relative_to(REPO))],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert not result.stdout.strip(), result.stdout


# --------------------------------------------------------------------------- the vote rule


@pytest.fixture(scope="module")
def parser() -> SpiffBpmnParser:
    """All models parsed together, as the service deploys them."""
    parser = SpiffBpmnParser(validator=BpmnValidator())
    parser.add_bpmn_files([str(p) for p in BPMN_FILES])
    parser.add_dmn_file(str(DMN_FILE))
    return parser


def _decide(parser: SpiffBpmnParser, data: dict[str, Any]) -> dict[str, Any]:
    engine = parser.get_engine("vote_rule", None)
    task = SimpleNamespace(data=data, workflow=SimpleNamespace(script_engine=PythonScriptEngine()))
    return dict(engine.result(task))


@pytest.mark.parametrize(("matter_type", "sub_type", "item", "rule"), VOTE_RULES)
def test_vote_rule_table(
    parser: SpiffBpmnParser, matter_type: str, sub_type: str, item: str, rule: str
) -> None:
    result = _decide(parser, {"matter_type": matter_type, "sub_type": sub_type})
    assert result == {"vote_item": item, "vote_rule": rule}


def test_vote_rule_has_no_row_for_a_missing_sub_type(parser: SpiffBpmnParser) -> None:
    """The table does not guess: filing must validate the sub-type of these matters."""
    assert _decide(parser, {"matter_type": "common_income", "sub_type": ""}) == {}
    assert _decide(parser, {"matter_type": "parking_allocation", "sub_type": ""}) == {}


def test_vote_rule_is_a_unique_decision_table() -> None:
    root = _tree(DMN_FILE).getroot()
    dmn = {"dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/"}
    [table] = root.findall("dmn:decision[@id='vote_rule']/dmn:decisionTable", dmn)
    assert table.get("hitPolicy") == "UNIQUE"
    shapes = root.findall(".//{https://www.omg.org/spec/DMN/20191111/DMNDI/}DMNShape")
    assert [s.get("dmnElementRef") for s in shapes] == ["vote_rule"]


# --------------------------------------------------------------------------- execution


def _future_deadline(step: str, on: str | None = None) -> str:
    return "2099-01-01T00:00:00+08:00"


def start_case(
    parser: SpiffBpmnParser,
    matter_type: str,
    sub_type: str | None = None,
    deadline: Callable[[str], str] = _future_deadline,
    **extra: Any,
) -> BpmnWorkflow:
    """A matter workflow with the data the service sets at filing, run to its first wait."""
    pid = f"matter_{matter_type}"
    engine = PythonScriptEngine(environment=TaskDataEnvironment({"deadline": deadline}))
    workflow = BpmnWorkflow(
        parser.get_spec(pid), parser.get_subprocess_specs(pid), script_engine=engine
    )
    data = {
        "matter_type": matter_type,
        "sub_type": HAPPY_SUB_TYPE.get(matter_type, "") if sub_type is None else sub_type,
        "case_id": 1,
        "request": {"reason": "测试"},
    }
    # Request fields the model routes on, as the matter's first demo variant files them.
    matter = MATTERS[matter_type]
    data.update({name: matter.demo.variants[0].filing[name] for name in matter.routed_by})
    data.update(extra)
    workflow.get_next_task(spec_name="Start").data.update(data)
    workflow.do_engine_steps()
    return workflow


def ready(workflow: BpmnWorkflow) -> list[str]:
    """READY user tasks (SpiffWorkflow's internal specs are not manual)."""
    return sorted(
        t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.manual
    )


def complete(workflow: BpmnWorkflow, bpmn_id: str, **data: Any) -> dict[str, Any]:
    """Complete the one READY user task with this id; returns the data it saw."""
    [task] = [
        t
        for t in workflow.get_tasks(state=TaskState.READY)
        if t.task_spec.manual and t.task_spec.bpmn_id == bpmn_id
    ]
    seen = dict(task.data)
    task.data.update(data)
    task.run()
    workflow.do_engine_steps()
    return seen


def ran(workflow: BpmnWorkflow) -> list[str]:
    """Ids of completed BPMN nodes, the call activities' included."""
    return [
        t.task_spec.bpmn_id
        for t in workflow.get_tasks(state=TaskState.COMPLETED)
        if t.task_spec.bpmn_id is not None
    ]


def ended_at(workflow: BpmnWorkflow) -> set[str]:
    """End events the matter process itself reached."""
    ends = {"case_closed", "case_rejected", "vote_failed"}
    return {
        t.task_spec.bpmn_id
        for t in workflow.get_tasks(state=TaskState.COMPLETED)
        if t.workflow is workflow and t.task_spec.bpmn_id in ends
    }


def approve(workflow: BpmnWorkflow, reply: str = "agree") -> None:
    while ready(workflow) and ready(workflow)[0] in BEFORE_APPROVAL:
        complete(workflow, ready(workflow)[0])
    assert ready(workflow) == ["acceptance_check"]
    complete(workflow, "acceptance_check", acceptance_decision="accept")
    assert ready(workflow) == ["collective_study"]
    complete(workflow, "collective_study")
    assert ready(workflow) == ["written_reply"]
    complete(workflow, "written_reply", reply_decision=reply)


def implement(workflow: BpmnWorkflow, matter_type: str) -> dict[str, Any]:
    """Run the matter steps with the vote passing; returns the data owners_vote saw."""
    vote_data: dict[str, Any] = {}
    for step in MATTER_STEPS[matter_type]:
        assert ready(workflow) == [step]
        if step == "owners_vote":
            vote_data = complete(workflow, step, vote_passed=True)
        else:
            complete(workflow, step)
    return vote_data


def oversee(workflow: BpmnWorkflow) -> None:
    assert ready(workflow) == ["implementation_report"]
    complete(workflow, "implementation_report")
    assert ready(workflow) == ["oversight_review"]
    complete(workflow, "oversight_review", oversight_result="compliant")


@pytest.mark.parametrize("matter_type", MATTER_TYPES)
def test_happy_path_closes_the_case(parser: SpiffBpmnParser, matter_type: str) -> None:
    workflow = start_case(parser, matter_type)
    expected_first = [*MATTERS[matter_type].before_approval, "acceptance_check"][0]
    assert ready(workflow) == [expected_first]
    approve(workflow, reply="agree_with_conditions")
    vote_data = implement(workflow, matter_type)
    oversee(workflow)

    assert workflow.is_completed()
    assert ended_at(workflow) == {"case_closed"}
    path = ran(workflow)
    for node in ("prior_approval_call", "prior_approval_approved", "oversight_call"):
        assert node in path
    assert "oversight_closed" in path
    if matter_type in VOTING_MATTERS:
        assert path.index("determine_vote_rule") < path.index("owners_vote")
        sub_type = HAPPY_SUB_TYPE.get(matter_type, "")
        [(item, rule)] = [(i, r) for m, s, i, r in VOTE_RULES if m == matter_type and s == sub_type]
        assert (vote_data["vote_item"], vote_data["vote_rule"]) == (item, rule)
    else:
        assert "owners_vote" not in path and "determine_vote_rule" not in path


@pytest.mark.parametrize("matter_type", MATTER_TYPES)
def test_returned_request_and_rectification_loop_back(
    parser: SpiffBpmnParser, matter_type: str
) -> None:
    """Returns for additions and rectifications may repeat; each round re-enters the check."""
    workflow = start_case(parser, matter_type)
    for step in MATTERS[matter_type].before_approval:
        complete(workflow, step)
    for _ in range(2):
        complete(workflow, "acceptance_check", acceptance_decision="return")
        assert ready(workflow) == ["supplement"]
        complete(workflow, "supplement")
        assert ready(workflow) == ["acceptance_check"]
    complete(workflow, "acceptance_check", acceptance_decision="accept")
    complete(workflow, "collective_study")
    complete(workflow, "written_reply", reply_decision="agree")
    implement(workflow, matter_type)
    complete(workflow, "implementation_report")
    complete(
        workflow,
        "oversight_review",
        oversight_result="rectify",
        rectification_deadline="2099-12-31",
    )
    assert ready(workflow) == ["rectification"]
    complete(workflow, "rectification")
    assert ready(workflow) == ["oversight_review"]
    complete(workflow, "oversight_review", oversight_result="compliant")

    assert workflow.is_completed()
    assert ended_at(workflow) == {"case_closed"}
    path = ran(workflow)
    assert path.count("acceptance_check") == 3
    assert path.count("supplement") == 2
    assert path.count("oversight_review") == 2
    assert path.count("rectification") == 1


@pytest.mark.parametrize("matter_type", MATTER_TYPES)
def test_disagreeing_reply_rejects_the_case(parser: SpiffBpmnParser, matter_type: str) -> None:
    workflow = start_case(parser, matter_type)
    approve(workflow, reply="disagree")

    assert workflow.is_completed()
    assert ended_at(workflow) == {"case_rejected"}
    path = ran(workflow)
    assert "prior_approval_rejected" in path
    assert not set(MATTER_STEPS[matter_type]) & set(path)
    assert "oversight_call" not in path


@pytest.mark.parametrize("matter_type", VOTING_MATTERS)
def test_failed_vote_ends_the_case(parser: SpiffBpmnParser, matter_type: str) -> None:
    workflow = start_case(parser, matter_type)
    approve(workflow)
    for step in MATTER_STEPS[matter_type]:
        if step == "owners_vote":
            complete(workflow, step, vote_passed=False)
            break
        complete(workflow, step)

    assert workflow.is_completed()
    assert ended_at(workflow) == {"vote_failed"}
    assert "oversight_call" not in ran(workflow)


def test_firm_leaving_on_its_own_needs_no_vote(parser: SpiffBpmnParser) -> None:
    """A firm not renewing hands over without an owners' vote (民法典 947–948)."""
    workflow = start_case(parser, "firm_exit", initiator="firm")
    approve(workflow)
    assert ready(workflow) == ["handover_checklist"]
    complete(workflow, "handover_checklist")
    oversee(workflow)

    assert workflow.is_completed()
    assert ended_at(workflow) == {"case_closed"}
    assert "determine_vote_rule" not in ran(workflow)
    assert "owners_vote" not in ran(workflow)


def test_unknown_reply_decision_stops_at_the_gateway(parser: SpiffBpmnParser) -> None:
    """Only agree / agree_with_conditions / disagree route; anything else is an error."""
    workflow = start_case(parser, "fee_adjustment")
    complete(workflow, "acceptance_check", acceptance_decision="accept")
    complete(workflow, "collective_study")
    with pytest.raises(WorkflowException):
        complete(workflow, "written_reply", reply_decision="maybe")


@pytest.mark.parametrize("matter_type", MATTER_TYPES)
def test_every_deadline_timer_asks_for_its_own_step(
    parser: SpiffBpmnParser, matter_type: str
) -> None:
    """The service computes each deadline from the step name the timer passes."""
    asked: list[str] = []

    def deadline(step: str, on: str | None = None) -> str:
        asked.append(step)
        return _future_deadline(step)

    workflow = start_case(parser, matter_type, deadline=deadline)
    for step in MATTERS[matter_type].before_approval:
        complete(workflow, step)
    approve(workflow)
    implement(workflow, matter_type)
    complete(workflow, "implementation_report")
    complete(
        workflow,
        "oversight_review",
        oversight_result="rectify",
        rectification_deadline="2099-12-31",
    )
    complete(workflow, "rectification")
    complete(workflow, "oversight_review", oversight_result="compliant")

    expected = {
        "acceptance_check",
        "collective_study",
        "written_reply",
        "implementation_report",
        "oversight_review",
        "rectification",
    }
    expected |= _timed_tasks(f"matter_{matter_type}")
    assert set(asked) == expected
    assert workflow.is_completed()


def test_overdue_step_opens_street_supervision(parser: SpiffBpmnParser) -> None:
    """A passed deadline opens a street task beside the step, which stays open.

    The prior approval ends only when its supervision is closed too, and the reply still
    routes the matter when the supervision finishes last.
    """

    def deadline(step: str, on: str | None = None) -> str:
        return "2000-01-01T00:00:00+08:00" if step == "written_reply" else _future_deadline(step)

    workflow = start_case(parser, "fee_adjustment", deadline=deadline)
    complete(workflow, "acceptance_check", acceptance_decision="accept")
    complete(workflow, "collective_study")
    assert ready(workflow) == ["supervise_written_reply", "written_reply"]

    complete(workflow, "written_reply", reply_decision="agree")
    assert ready(workflow) == ["supervise_written_reply"]
    complete(workflow, "supervise_written_reply")
    implement(workflow, "fee_adjustment")
    oversee(workflow)

    assert workflow.is_completed()
    assert ended_at(workflow) == {"case_closed"}
    assert "supervised_written_reply" in ran(workflow)
