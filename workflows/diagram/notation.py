"""What the drawing reads from a model file: BPMN's element kinds, the process and the
plane that draws it, and the bounds of each shape and label."""

from __future__ import annotations

from lxml import etree

from workflows.diagram.geometry import Box

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NS = {
    "bpmn": BPMN,
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}

EVENTS = {
    "startEvent",
    "endEvent",
    "boundaryEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
}
GATEWAYS = {
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
    "complexGateway",
}
ACTIVITIES = {
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
    "transaction",
}
FLOW_NODES = EVENTS | GATEWAYS | ACTIVITIES


def parse_model(xml: str | bytes) -> etree._Element:
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    return etree.fromstring(data, parser)


def drawn_planes(root: etree._Element) -> dict[str, etree._Element]:
    drawn_by: dict[str, list[str]] = {}
    for collaboration in root.iterfind("bpmn:collaboration", NS):
        drawn_by[str(collaboration.get("id"))] = [
            str(p.get("processRef"))
            for p in collaboration.iterfind("bpmn:participant", NS)
            if p.get("processRef")
        ]
    for process in root.iterfind("bpmn:process", NS):
        drawn_by.setdefault(str(process.get("id")), []).append(str(process.get("id")))
    planes: dict[str, etree._Element] = {}
    for plane in root.iterfind("bpmndi:BPMNDiagram/bpmndi:BPMNPlane", NS):
        for pid in drawn_by.get(str(plane.get("bpmnElement")), []):
            planes.setdefault(pid, plane)
    return planes


def find_process(root: etree._Element, process_id: str | None) -> etree._Element:
    processes = root.findall("bpmn:process", NS)
    if process_id is not None:
        for process in processes:
            if process.get("id") == process_id:
                return process
        raise ValueError(f"no process {process_id!r} in the model")
    planes = drawn_planes(root)
    for process in processes:
        if process.get("id") in planes:
            return process
    raise ValueError("the model has no drawn process")


def local_name(element: etree._Element) -> str:
    return str(etree.QName(element).localname)


def shape_box(shape: etree._Element | None) -> Box | None:
    bounds = None if shape is None else shape.find("dc:Bounds", NS)
    if bounds is None:
        return None
    return Box(*(float(bounds.get(k, "0")) for k in ("x", "y", "width", "height")))


def label_box(di: etree._Element) -> Box | None:
    return shape_box(di.find("bpmndi:BPMNLabel", NS))
