"""The server-side BPMN diagram: every model draws completely, highlights land, text is safe.

The case page and the auditor's replay embed this SVG in HTML, so it must parse, name every
node and flow by id (the page's hooks), escape model and caller text, and be byte-for-byte
stable for the same inputs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from workflows.diagram.drawing import diagram_ids, render_svg
from workflows.diagram.notation import FLOW_NODES
from workflows.diagram.svg import DONE, OVERDUE

MODELS = Path(__file__).resolve().parent.parent / "bpmn"
BPMN_FILES = sorted(MODELS.glob("*.bpmn"))
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SVG = "http://www.w3.org/2000/svg"
NS = {"bpmn": BPMN, "svg": SVG}


def _model(name: str) -> str:
    return (MODELS / name).read_text(encoding="utf-8")


def _process(xml: str) -> etree._Element:
    root = etree.fromstring(xml.encode("utf-8"))
    return root.find("bpmn:process", NS)


def _groups(svg: str) -> dict[str, etree._Element]:
    root = etree.fromstring(svg.encode("utf-8"))
    return {g.get("data-id"): g for g in root.iter(f"{{{SVG}}}g") if g.get("data-id")}


def _classes(group: etree._Element) -> set[str]:
    return set(group.get("class", "").split())


def _label(group: etree._Element) -> str:
    return "".join("".join(text.itertext()) for text in group.iterfind("svg:text", NS))


def test_there_are_models_to_draw() -> None:
    assert len(BPMN_FILES) >= 3


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.stem)
def test_every_model_renders_as_a_complete_svg(path: Path) -> None:
    xml = path.read_text(encoding="utf-8")
    svg = render_svg(xml)
    root = etree.fromstring(svg.encode("utf-8"))

    assert root.tag == f"{{{SVG}}}svg"
    assert root.get("width") == "100%"
    assert root.get("role") == "img"
    assert root.get("aria-label")
    assert "Noto Sans CJK SC" in root.get("font-family", "")
    x, y, width, height = (float(v) for v in root.get("viewBox", "").split())
    assert width > 0 and height > 0
    assert root.find("svg:title", NS).text

    process = _process(xml)
    nodes = [el for el in process.iter(f"{{{BPMN}}}*") if etree.QName(el).localname in FLOW_NODES]
    flows = list(process.iter(f"{{{BPMN}}}sequenceFlow"))
    lanes = list(process.iter(f"{{{BPMN}}}lane"))
    groups = _groups(svg)
    for element in [*nodes, *flows, *lanes]:
        assert element.get("id") in groups, element.get("id")
    for node in nodes:
        group = groups[node.get("id")]
        assert group.find("svg:title", NS).text == node.get("name")
        assert group.find("svg:text", NS) is not None, f"{node.get('id')} has no label"
    for flow in flows:
        assert groups[flow.get("id")].find("svg:polygon", NS) is not None, "arrowhead"
        assert groups[flow.get("id")].find("svg:polyline", NS) is not None
    # the drawing stays inside its viewBox
    for element in root.iter(f"{{{SVG}}}rect", f"{{{SVG}}}tspan"):
        assert x <= float(element.get("x")) <= x + width
        assert y <= float(element.get("y")) <= y + height


def test_node_kinds_use_standard_notation() -> None:
    groups = _groups(render_svg(_model("matter_fund_emergency.bpmn")))
    start = groups["case_filed"].findall("svg:circle", NS)
    assert len(start) == 1 and start[0].get("stroke-width") == "2"
    assert groups["case_closed"].find("svg:circle", NS).get("stroke-width") == "4"
    timer = groups["overdue_emergency_acknowledgement"].findall("svg:circle", NS)
    assert len(timer) >= 3  # double ring plus clock face
    assert timer[0].get("stroke-dasharray")  # non-interrupting
    call = groups["prior_approval_call"]
    assert call.get("data-called") == "prior_approval"
    assert call.find("svg:rect", NS).get("stroke-width") == "4"
    gateway = groups["reply_gateway"]
    assert gateway.find("svg:polygon", NS) is not None
    assert len(gateway.findall("svg:line", NS)) == 2  # the X
    assert "bpmn-usertask" in _classes(groups["emergency_acknowledgement"])

    rule = _groups(render_svg(_model("matter_fund_normal.bpmn")))["determine_vote_rule"]
    assert "bpmn-businessruletask" in _classes(rule)
    assert len(rule.findall("svg:rect", NS)) == 3  # the task and the table icon


def test_lane_and_pool_names_are_written() -> None:
    groups = _groups(render_svg(_model("prior_approval.bpmn")))
    assert _label(groups["lane_party_committee"]) == "社区党组织委员会"
    assert _label(groups["participant_prior_approval"]).startswith("事前审批")


def test_long_names_wrap_inside_the_task() -> None:
    groups = _groups(render_svg(_model("prior_approval.bpmn")))
    task = groups["supervise_acceptance_check"]
    lines = task.findall("svg:text/svg:tspan", NS)
    assert [t.text for t in lines] == ["街道督办：", "受理审查超期"]
    box = task.find("svg:rect", NS)
    left, right = float(box.get("x")), float(box.get("x")) + float(box.get("width"))
    for line in lines:
        half = len(line.text) * 12 / 2
        assert left < float(line.get("x")) - half and float(line.get("x")) + half < right


def test_highlights_land_on_the_requested_ids() -> None:
    done = ["prior_approval_started", "acceptance_merge", "acceptance_check", "acceptance_gateway"]
    svg = render_svg(
        _model("prior_approval.bpmn"),
        done=done,
        current=["collective_study"],
        overdue=["collective_study"],
    )
    groups = _groups(svg)
    for node_id in done:
        assert "is-done" in _classes(groups[node_id])
        assert DONE[0] in etree.tostring(groups[node_id], encoding="unicode")
    study = groups["collective_study"]
    assert {"is-current", "is-overdue"} <= _classes(study)
    assert study.get("aria-current") == "step"
    assert study.find("svg:rect", NS).get("stroke") == OVERDUE[0]
    assert "当前步骤" in study.find("svg:title", NS).text
    root = etree.fromstring(svg.encode("utf-8"))
    markers = [g.get("data-for") for g in root.iter(f"{{{SVG}}}g") if g.get("data-for")]
    assert markers == ["collective_study"]
    assert "集体研究" in root.get("aria-label")

    taken = {
        "flow_prior_approval_started_to_acceptance_merge",
        "flow_acceptance_merge_to_acceptance_check",
        "flow_acceptance_check_to_acceptance_gateway",
        "flow_acceptance_gateway_to_collective_study",  # into the current step
    }
    for flow_id, group in groups.items():
        if flow_id.startswith("flow_"):
            assert ("is-done" in _classes(group)) == (flow_id in taken), flow_id
    assert groups["written_reply"].get("aria-current") is None
    assert not _classes(groups["written_reply"]) & {"is-done", "is-current", "is-overdue"}


def test_text_from_the_model_and_the_caller_is_escaped() -> None:
    hostile = '<script>"审"&查'
    xml = _model("prior_approval.bpmn").replace(
        'name="受理审查"', 'name="&lt;script&gt;&quot;审&quot;&amp;查"'
    )
    svg = render_svg(xml, title='<svg onload="alert(1)">')
    assert "<script" not in svg and "<svg onload" not in svg
    root = etree.fromstring(svg.encode("utf-8"))
    assert root.find("svg:title", NS).text == '<svg onload="alert(1)">'
    group = _groups(svg)["acceptance_check"]
    assert group.find("svg:title", NS).text == hostile
    assert _label(group) == hostile


def test_control_characters_in_the_title_are_dropped() -> None:
    svg = render_svg(_model("oversight.bpmn"), title="监督\x00实施\x1b")
    assert etree.fromstring(svg.encode("utf-8")).get("aria-label") == "监督实施"


def test_rendering_is_deterministic() -> None:
    xml = _model("prior_approval.bpmn")
    done = ["acceptance_check", "prior_approval_started", "acceptance_merge"]
    first = render_svg(xml, done=done, current=["acceptance_gateway"])
    again = render_svg(xml, done=set(reversed(done)), current={"acceptance_gateway"})
    assert first == again
    assert render_svg(xml) == render_svg(xml)


def test_diagram_ids_map_each_process_to_its_plane() -> None:
    for path in BPMN_FILES:
        xml = path.read_text(encoding="utf-8")
        process_id = _process(xml).get("id")
        assert diagram_ids(xml) == {process_id: f"plane_{process_id}"}
        assert render_svg(xml, process_id) == render_svg(xml)


def test_an_unknown_process_is_an_error() -> None:
    with pytest.raises(ValueError):
        render_svg(_model("oversight.bpmn"), "no_such_process")


BARE_MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
    xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="d" targetNamespace="urn:t">
  <process id="bare">
    <startEvent id="s"/>
    <parallelGateway id="fork" name="并行"/>
    <task id="t" name="一个名字很长很长很长很长很长很长很长很长很长很长很长很长的任务"/>
    <endEvent id="e" name="结束"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="fork"/>
    <sequenceFlow id="f2" name="分支" sourceRef="fork" targetRef="t"/>
    <sequenceFlow id="f3" sourceRef="t" targetRef="e"/>
  </process>
  <bpmndi:BPMNDiagram id="diagram">
    <bpmndi:BPMNPlane id="plane" bpmnElement="bare">
      <bpmndi:BPMNShape id="s_di" bpmnElement="s">
        <dc:Bounds x="10" y="22" width="36" height="36"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="fork_di" bpmnElement="fork">
        <dc:Bounds x="90" y="15" width="50" height="50"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="t_di" bpmnElement="t">
        <dc:Bounds x="200" y="0" width="100" height="80"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="e_di" bpmnElement="e">
        <dc:Bounds x="360" y="22" width="36" height="36"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1">
        <di:waypoint x="46" y="40"/>
        <di:waypoint x="90" y="40"/>
      </bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2">
        <di:waypoint x="140" y="40"/>
        <di:waypoint x="200" y="40"/>
      </bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f3_di" bpmnElement="f3">
        <di:waypoint x="300" y="40"/>
        <di:waypoint x="360" y="40"/>
      </bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</definitions>
"""


def test_a_model_without_pool_or_label_bounds_still_draws() -> None:
    assert diagram_ids(BARE_MODEL) == {"bare": "plane"}
    svg = render_svg(BARE_MODEL, done=["s"], current=["fork"])
    groups = _groups(svg)
    assert {"s", "fork", "t", "e", "f1", "f2", "f3"} <= set(groups)
    assert "is-done" in _classes(groups["f1"])  # from a done node into the current one
    assert len(groups["fork"].findall("svg:line", NS)) == 2  # the +
    assert _label(groups["e"]) == "结束"  # placed below the event
    assert _label(groups["f2"]) == "分支"  # placed at the middle of the flow
    task = _label(groups["t"])
    assert task.endswith("…") and len(task) < 40  # cut to the box; the tooltip has it all
    assert groups["t"].find("svg:title", NS).text.endswith("的任务")
    x, y, width, height = (float(v) for v in etree.fromstring(svg).get("viewBox").split())
    assert x < 0 and y < 0 and x + width > 396 and y + height > 80
