"""Draw a BPMN model as SVG from its diagram interchange (BPMNDI), on the server.

The case page and the auditor's replay show the model a case runs on, with the path the
case took. Drawing it here from the very file the engine executes keeps picture and
execution in step without shipping a JavaScript modeler to the browser. The output is a
pure function of the inputs (no clock, no randomness, document order throughout), so a
page can be cached and two renderings compared byte for byte.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from itertools import pairwise

from lxml import etree

from workflows.i18n import _

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NS = {
    "bpmn": BPMN,
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
SVG = "http://www.w3.org/2000/svg"

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

FONT_FAMILY = (
    "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"
)
FONT_SIZE = 12
POOL_FONT_SIZE = 13
LINE_HEIGHT = 15
HEADER_WIDTH = 30  # the name band at the left of a horizontal pool or lane
EXTERNAL_LABEL_WIDTH = 90  # what standard modelers wrap event and gateway labels to
MARGIN = 12

INK = "#22242a"
PAPER = "#ffffff"
HEADER_FILL = "#f4f5f7"
HALO = "#ffffff"
DONE = ("#2e7d32", "#e8f5e9")
CURRENT = ("#1565c0", "#e3f2fd")
OVERDUE = ("#c62828", "#ffebee")

# Punctuation that must not start (close) or end (open) a wrapped line.
_CLOSING = set("，。、；：？！）】」』”’》〉,.;:?!)]}%")
_OPENING = set("（【「『“‘《〈([{")
_TOKEN = re.compile(r"[A-Za-z0-9_.\-/@#&+=%]+|\s+|.", re.DOTALL)
_XML_UNSAFE = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in diagram coordinates."""

    x: float
    y: float
    width: float
    height: float

    @property
    def cx(self) -> float:
        return self.x + self.width / 2

    @property
    def cy(self) -> float:
        return self.y + self.height / 2

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height

    def grown(self, by: float) -> Box:
        return Box(self.x - by, self.y - by, self.width + 2 * by, self.height + 2 * by)


@dataclass(frozen=True)
class _Look:
    """Stroke and fill of one node, from its place on the case's path."""

    stroke: str = INK
    fill: str = PAPER


def diagram_ids(xml: str | bytes) -> dict[str, str]:
    """Map each process id in a model file to the id of the BPMNPlane that draws it."""
    return {pid: str(plane.get("id", "")) for pid, plane in _planes(_parse(xml)).items()}


def render_svg(
    xml: str | bytes,
    process_id: str | None = None,
    *,
    done: Collection[str] = (),
    current: Collection[str] = (),
    overdue: Collection[str] = (),
    title: str | None = None,
) -> str:
    """Draw ``process_id`` (default: the file's process) as an inline SVG document.

    ``done`` nodes, and the flows from a done node into a done or current node, are drawn
    in green; ``current`` nodes get a thick blue outline; ``overdue`` nodes are red. Call
    activities are drawn collapsed: the called process has its own file and picture.
    Raises ``ValueError`` when the process or its diagram is missing.
    """
    root = _parse(xml)
    process = _process(root, process_id)
    pid = str(process.get("id"))
    plane = _planes(root).get(pid)
    if plane is None:
        raise ValueError(f"process {pid!r} has no diagram")
    return _Drawing(root, process, plane, set(done), set(current), set(overdue)).svg(title)


def _parse(xml: str | bytes) -> etree._Element:
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    return etree.fromstring(data, parser)


def _planes(root: etree._Element) -> dict[str, etree._Element]:
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


def _process(root: etree._Element, process_id: str | None) -> etree._Element:
    processes = root.findall("bpmn:process", NS)
    if process_id is not None:
        for process in processes:
            if process.get("id") == process_id:
                return process
        raise ValueError(f"no process {process_id!r} in the model")
    planes = _planes(root)
    for process in processes:
        if process.get("id") in planes:
            return process
    raise ValueError("the model has no drawn process")


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _bounds(shape: etree._Element | None) -> Box | None:
    bounds = None if shape is None else shape.find("dc:Bounds", NS)
    if bounds is None:
        return None
    return Box(*(float(bounds.get(k, "0")) for k in ("x", "y", "width", "height")))


def _label_bounds(di: etree._Element) -> Box | None:
    return _bounds(di.find("bpmndi:BPMNLabel", NS))


def _clean(text: str) -> str:
    return _XML_UNSAFE.sub("", text)


def _num(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _points(values: list[tuple[float, float]]) -> str:
    return " ".join(f"{_num(x)},{_num(y)}" for x, y in values)


def _glyph_width(char: str, size: float) -> float:
    """Approximate advance: CJK glyphs are one em wide, others about 0.6 em."""
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return size
    return size * (0.3 if char.isspace() else 0.6)


def _text_width(text: str, size: float) -> float:
    return sum(_glyph_width(c, size) for c in text)


def _tokens(paragraph: str) -> list[str]:
    """Break opportunities: every CJK glyph, Latin words whole, punctuation kept attached."""
    tokens: list[str] = []
    for token in _TOKEN.findall(paragraph):
        if tokens and (token[0] in _CLOSING or tokens[-1][-1] in _OPENING):
            tokens[-1] += token
        else:
            tokens.append(token)
    return tokens


def _wrap(text: str, width: float, size: float = FONT_SIZE) -> list[str]:
    """Break ``text`` into lines of at most ``width`` user units at font ``size``.

    Lines are balanced (no lone last glyph), and a name like "街道督办：受理审查超期" is
    broken after its colon when that costs no extra line.
    """
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        best = _balanced(paragraph.strip(), width, size)
        head, colon, tail = paragraph.strip().partition("：")
        if colon and tail:
            split = _balanced(head + colon, width, size) + _balanced(tail, width, size)
            if len(split) <= len(best):
                best = split
        lines += best
    return lines


def _balanced(paragraph: str, width: float, size: float) -> list[str]:
    """The narrowest greedy breaking that needs no more lines than the widest one."""
    lines = _greedy(paragraph, width, size)
    while len(lines) > 1:
        narrower = _greedy(paragraph, max(_text_width(x, size) for x in lines) - 0.5, size)
        if len(narrower) > len(lines):
            break
        lines = narrower
    return lines


def _greedy(paragraph: str, width: float, size: float) -> list[str]:
    lines: list[str] = []
    line = ""
    for token in _tokens(paragraph):
        pieces = [token] if _text_width(token, size) <= width else list(token)
        if len(pieces) > 1 and line:
            lines.append(line.rstrip())
            line = ""
        for piece in pieces:
            if line and _text_width(line + piece, size) > width + 0.01:
                lines.append(line.rstrip())
                line = piece.lstrip()
            else:
                line += piece
    lines.append(line.rstrip())
    return lines


def _fit(lines: list[str], max_lines: int, width: float, size: float) -> list[str]:
    """Keep at most ``max_lines``, ending the last kept one in an ellipsis."""
    if len(lines) <= max_lines:
        return lines
    kept = lines[: max(1, max_lines)]
    last = kept[-1]
    while last and _text_width(last + "…", size) > width:
        last = last[:-1]
    kept[-1] = last + "…"
    return kept


class _Drawing:
    """One rendering: the parsed model, the requested highlights and the growing SVG."""

    def __init__(
        self,
        root: etree._Element,
        process: etree._Element,
        plane: etree._Element,
        done: set[str],
        current: set[str],
        overdue: set[str],
    ) -> None:
        self.root = root
        self.process = process
        self.done = done
        self.current = current
        self.overdue = overdue
        self.shapes = {str(s.get("bpmnElement")): s for s in plane.iterfind("bpmndi:BPMNShape", NS)}
        self.edges = {str(e.get("bpmnElement")): e for e in plane.iterfind("bpmndi:BPMNEdge", NS)}
        self.nodes = {
            str(el.get("id")): el
            for el in process.iter(f"{{{BPMN}}}*")
            if _local(el) in FLOW_NODES and el.get("id")
        }
        self.extent: list[Box] = []

    # -- document -------------------------------------------------------------------------

    def svg(self, title: str | None) -> str:
        participant = self._participant()
        name = (participant.get("name") if participant is not None else None) or (
            self.process.get("name") or str(self.process.get("id"))
        )
        label = _clean(title) if title else _("流程图：{name}").format(name=name)
        svg = etree.Element(f"{{{SVG}}}svg", nsmap={None: SVG})
        svg.set("class", "bpmn-diagram")
        svg.set("viewBox", "")
        svg.set("width", "100%")
        svg.set("role", "img")
        svg.set("aria-label", self._aria_label(label))
        svg.set("font-family", FONT_FAMILY)
        svg.set("font-size", str(FONT_SIZE))
        _sub(svg, "title", text=label)

        if participant is not None:
            self._pool(svg, participant)
        for lane in self.process.iter(f"{{{BPMN}}}lane"):
            self._lane(svg, lane)
        for node_id, node in self.nodes.items():
            if node_id in self.current:
                self._current_marker(svg, node)
        for flow in self.process.iter(f"{{{BPMN}}}sequenceFlow"):
            self._flow(svg, flow)
        ordered = sorted(self.nodes.values(), key=lambda n: _local(n) == "boundaryEvent")
        for node in ordered:
            self._node(svg, node)

        view = self._view_box()
        svg.set("viewBox", " ".join(_num(v) for v in (view.x, view.y, view.width, view.height)))
        return etree.tostring(svg, encoding="unicode")

    def _aria_label(self, label: str) -> str:
        parts = [label]
        for ids, caption in ((self.current, _("当前步骤")), (self.overdue, _("已超期"))):
            names = [self._name(n) for i, n in self.nodes.items() if i in ids]
            if names:
                parts.append(
                    _("{caption}：{names}").format(caption=caption, names="、".join(names))
                )
        return "；".join(parts)

    def _participant(self) -> etree._Element | None:
        for participant in self.root.iterfind("bpmn:collaboration/bpmn:participant", NS):
            if participant.get("processRef") == self.process.get("id"):
                return participant
        return None

    def _view_box(self) -> Box:
        if not self.extent:
            return Box(0, 0, 100, 100)
        left = min(b.x for b in self.extent) - MARGIN
        top = min(b.y for b in self.extent) - MARGIN
        right = max(b.right for b in self.extent) + MARGIN
        bottom = max(b.bottom for b in self.extent) + MARGIN
        return Box(left, top, right - left, bottom - top)

    @staticmethod
    def _name(element: etree._Element) -> str:
        return _clean(element.get("name") or str(element.get("id")))

    # -- pool and lanes -------------------------------------------------------------------

    def _pool(self, svg: etree._Element, participant: etree._Element) -> None:
        shape = self.shapes.get(str(participant.get("id")))
        box = _bounds(shape)
        if box is None:
            return
        group = self._group(svg, participant, "bpmn-pool")
        _sub(group, "title", text=self._name(participant))
        self._container(group, box, shape, participant.get("name") or "", bold=True)

    def _lane(self, svg: etree._Element, lane: etree._Element) -> None:
        shape = self.shapes.get(str(lane.get("id")))
        box = _bounds(shape)
        if box is None:
            return
        group = self._group(svg, lane, "bpmn-lane")
        _sub(group, "title", text=self._name(lane))
        self._container(group, box, shape, lane.get("name") or "", bold=False)

    def _container(
        self, group: etree._Element, box: Box, shape: etree._Element, name: str, *, bold: bool
    ) -> None:
        """A pool or lane: its frame and a header band holding its name."""
        self.extent.append(box)
        horizontal = shape.get("isHorizontal", "true") != "false"
        if horizontal:
            band = Box(box.x, box.y, HEADER_WIDTH, box.height)
        else:
            band = Box(box.x, box.y, box.width, HEADER_WIDTH)
        _sub(group, "rect", _rect(band) | {"fill": HEADER_FILL, "stroke": "none"})
        _sub(group, "rect", _rect(box) | {"fill": "none", "stroke": INK, "stroke-width": 1.5})
        if horizontal:
            line = {"x1": band.right, "y1": band.y, "x2": band.right, "y2": band.bottom}
        else:
            line = {"x1": band.x, "y1": band.bottom, "x2": band.right, "y2": band.bottom}
        _sub(group, "line", line | {"stroke": INK, "stroke-width": 1.5})
        if not name:
            return
        size = POOL_FONT_SIZE if bold else FONT_SIZE
        weight = {"font-weight": "bold"} if bold else {}
        if horizontal:
            self._vertical_text(group, _clean(name), band, size, weight)
        else:
            lines = _fit(_wrap(_clean(name), band.width - 8, size), 1, band.width - 8, size)
            self._text(group, lines, band.cx, band.cy - LINE_HEIGHT / 2, size, attrs=weight)

    @staticmethod
    def _vertical_text(
        group: etree._Element, name: str, band: Box, size: int, attrs: dict[str, str]
    ) -> None:
        """Write ``name`` top to bottom in columns (right to left), as Chinese is set."""
        length = band.height - 16
        pitch = size + 3
        max_columns = max(1, int((band.width - 4) // pitch))
        columns = _fit(_wrap(name, length, size), max_columns, length, size)
        for i, column in enumerate(columns):
            x = band.cx + ((len(columns) - 1) / 2 - i) * pitch
            _sub(
                group,
                "text",
                {
                    "class": "bpmn-label",
                    "x": x,
                    "y": band.cy,
                    "writing-mode": "vertical-rl",
                    "text-anchor": "middle",
                    "font-size": size,
                    "fill": INK,
                }
                | attrs,
                text=column,
            )

    # -- flow nodes -----------------------------------------------------------------------

    def _look(self, node_id: str) -> _Look:
        if node_id in self.overdue:
            return _Look(*OVERDUE)
        if node_id in self.current:
            return _Look(*CURRENT)
        if node_id in self.done:
            return _Look(*DONE)
        return _Look()

    def _group(self, svg: etree._Element, element: etree._Element, kind: str) -> etree._Element:
        element_id = str(element.get("id"))
        classes = [kind, f"bpmn-{_local(element).lower()}"]
        states = (("done", self.done), ("current", self.current), ("overdue", self.overdue))
        classes += [f"is-{state}" for state, ids in states if element_id in ids]
        group = _sub(svg, "g", {"class": " ".join(classes), "data-id": element_id})
        if element_id in self.current:
            group.set("aria-current", "step")
        return group

    def _node(self, svg: etree._Element, node: etree._Element) -> None:
        node_id = str(node.get("id"))
        shape = self.shapes.get(node_id)
        box = _bounds(shape)
        if shape is None or box is None:
            return
        kind = _local(node)
        group = self._group(svg, node, "bpmn-node")
        if kind == "callActivity" and node.get("calledElement"):
            group.set("data-called", str(node.get("calledElement")))
        _sub(group, "title", text=self._tooltip(node))
        look = self._look(node_id)
        self.extent.append(box.grown(6))
        if kind in ACTIVITIES:
            self._activity(group, node, box, look)
        elif kind in GATEWAYS:
            self._gateway(group, node, box, look)
            self._external_label(group, node, shape, box)
        else:
            self._event(group, node, box, look)
            self._external_label(group, node, shape, box)

    def _current_marker(self, svg: etree._Element, node: etree._Element) -> None:
        """The thick outline around a current step, under the flows so arrows stay whole."""
        box = _bounds(self.shapes.get(str(node.get("id"))))
        if box is None:
            return
        kind = _local(node)
        group = _sub(svg, "g", {"class": "bpmn-current-marker", "data-for": str(node.get("id"))})
        outline = {"fill": "none", "stroke": CURRENT[0], "stroke-width": 3.5}
        if kind in ACTIVITIES:
            _sub(group, "rect", _rect(box.grown(5)) | {"rx": 14} | outline)
        elif kind in GATEWAYS:
            _sub(group, "polygon", {"points": _points(_diamond(box.grown(6)))} | outline)
        else:
            r = min(box.width, box.height) / 2 + 5
            _sub(group, "circle", {"cx": box.cx, "cy": box.cy, "r": r} | outline)

    def _tooltip(self, node: etree._Element) -> str:
        node_id = str(node.get("id"))
        states = [
            caption
            for ids, caption in (
                (self.done, _("已完成")),
                (self.current, _("当前步骤")),
                (self.overdue, _("已超期")),
            )
            if node_id in ids
        ]
        name = self._name(node)
        return f"{name}（{'、'.join(states)}）" if states else name

    def _activity(self, group: etree._Element, node: etree._Element, box: Box, look: _Look) -> None:
        kind = _local(node)
        thick = kind in ("callActivity", "transaction")
        _sub(
            group,
            "rect",
            _rect(box)
            | {
                "rx": 10,
                "fill": look.fill,
                "stroke": look.stroke,
                "stroke-width": 4 if thick else 2,
            },
        )
        icon = kind in ("userTask", "businessRuleTask")
        if kind == "userTask":
            _person_icon(group, box.x + 6, box.y + 5, look)
        elif kind == "businessRuleTask":
            _table_icon(group, box.x + 7, box.y + 7, look)
        collapsed = kind == "callActivity" or (
            kind == "subProcess" and self.shapes[str(node.get("id"))].get("isExpanded") != "true"
        )
        if collapsed:
            _collapsed_marker(group, box, look)
        width = box.width - 12
        lines = _wrap(self._name(node), width, FONT_SIZE)
        clear = (box.y + (22 if icon else 4), box.bottom - (19 if collapsed else 4))
        lowest, highest = clear
        for attached in self._boundary_boxes(str(node.get("id"))):
            if attached.cy > box.cy:
                highest = min(highest, attached.y - 1)
            else:
                lowest = max(lowest, attached.bottom + 1)
        if len(lines) * LINE_HEIGHT > highest - lowest:
            lowest, highest = clear  # rather overlap a timer than hide half the name
        max_lines = max(1, int((highest - lowest) // LINE_HEIGHT))
        lines = _fit(lines, max_lines, width, FONT_SIZE)
        block = len(lines) * LINE_HEIGHT
        top = min(max(box.cy - block / 2, lowest), highest - block)
        self._text(group, lines, box.cx, top, FONT_SIZE)

    def _boundary_boxes(self, host_id: str) -> list[Box]:
        """Where the boundary events sitting on an activity's border are drawn."""
        boxes = [
            _bounds(self.shapes.get(node_id))
            for node_id, node in self.nodes.items()
            if _local(node) == "boundaryEvent" and node.get("attachedToRef") == host_id
        ]
        return [b for b in boxes if b is not None]

    def _gateway(self, group: etree._Element, node: etree._Element, box: Box, look: _Look) -> None:
        _sub(
            group,
            "polygon",
            {
                "points": _points(_diamond(box)),
                "fill": look.fill,
                "stroke": look.stroke,
                "stroke-width": 2,
                "stroke-linejoin": "round",
            },
        )
        kind = _local(node)
        arm = min(box.width, box.height) * 0.2
        cx, cy = box.cx, box.cy
        mark = {"stroke": look.stroke, "stroke-width": 3.5, "stroke-linecap": "round"}
        cross = [(cx - arm, cy - arm, cx + arm, cy + arm), (cx - arm, cy + arm, cx + arm, cy - arm)]
        plus = [(cx, cy - arm * 1.3, cx, cy + arm * 1.3), (cx - arm * 1.3, cy, cx + arm * 1.3, cy)]
        strokes = {
            "exclusiveGateway": cross,
            "parallelGateway": plus,
            "complexGateway": cross + plus,
        }.get(kind, [])
        for x1, y1, x2, y2 in strokes:
            _sub(group, "line", {"x1": x1, "y1": y1, "x2": x2, "y2": y2} | mark)
        if kind in ("inclusiveGateway", "eventBasedGateway"):
            ring = {"cx": cx, "cy": cy, "fill": "none", "stroke": look.stroke}
            _sub(group, "circle", ring | {"r": arm * 1.3, "stroke-width": 2.5})
            if kind == "eventBasedGateway":
                _sub(group, "circle", ring | {"r": arm * 1.6, "stroke-width": 1})

    def _event(self, group: etree._Element, node: etree._Element, box: Box, look: _Look) -> None:
        kind = _local(node)
        r = min(box.width, box.height) / 2
        cx, cy = box.cx, box.cy
        outline = {"cx": cx, "cy": cy, "fill": look.fill, "stroke": look.stroke}
        if kind == "endEvent":
            _sub(group, "circle", outline | {"r": r - 1, "stroke-width": 4})
        elif kind == "startEvent":
            _sub(group, "circle", outline | {"r": r, "stroke-width": 2})
        else:
            dashed = kind == "boundaryEvent" and node.get("cancelActivity") == "false"
            dash = {"stroke-dasharray": "5.5 3"} if dashed else {}
            _sub(group, "circle", outline | {"r": r, "stroke-width": 1.5} | dash)
            inner = outline | {"r": r - 3.5, "fill": "none", "stroke-width": 1.5}
            _sub(group, "circle", inner | dash)
        if node.find("bpmn:timerEventDefinition", NS) is not None:
            _clock_icon(group, cx, cy, r * 0.6, look)
        elif node.find("bpmn:terminateEventDefinition", NS) is not None:
            _sub(group, "circle", {"cx": cx, "cy": cy, "r": r * 0.55, "fill": look.stroke})

    def _external_label(
        self, group: etree._Element, node: etree._Element, shape: etree._Element, box: Box
    ) -> None:
        """An event's or gateway's name, at its BPMNLabel bounds or else below the shape."""
        if not node.get("name"):
            return
        name = self._name(node)
        bounds = _label_bounds(shape) or Box(
            box.cx - EXTERNAL_LABEL_WIDTH / 2, box.bottom + 8, EXTERNAL_LABEL_WIDTH, LINE_HEIGHT
        )
        self._floating_label(group, name, bounds, grow_up=bounds.cy < box.cy)

    def _floating_label(
        self, group: etree._Element, name: str, bounds: Box, *, grow_up: bool
    ) -> None:
        """A label outside any shape, with a white halo so lines under it stay readable."""
        width = max(bounds.width + FONT_SIZE, EXTERNAL_LABEL_WIDTH)
        lines = _wrap(name, width, FONT_SIZE)
        block = len(lines) * LINE_HEIGHT
        if block <= bounds.height + LINE_HEIGHT / 2:
            top = bounds.cy - block / 2
        else:
            top = bounds.bottom - block if grow_up else bounds.y
        halo = {
            "stroke": HALO,
            "stroke-width": 3,
            "stroke-linejoin": "round",
            "paint-order": "stroke",
        }
        self._text(group, lines, bounds.cx, top, FONT_SIZE, attrs=halo)

    def _text(
        self,
        group: etree._Element,
        lines: list[str],
        cx: float,
        top: float,
        size: int,
        *,
        attrs: dict[str, object] | None = None,
    ) -> None:
        """Centred lines from ``top`` down; baselines placed explicitly for every renderer."""
        widest = max((_text_width(line, size) for line in lines), default=0)
        self.extent.append(Box(cx - widest / 2, top, widest, len(lines) * LINE_HEIGHT))
        text = _sub(
            group,
            "text",
            {"class": "bpmn-label", "text-anchor": "middle", "font-size": size, "fill": INK}
            | (attrs or {}),
        )
        baseline = (LINE_HEIGHT - size) / 2 + size * 0.88
        for i, line in enumerate(lines):
            _sub(text, "tspan", {"x": cx, "y": top + i * LINE_HEIGHT + baseline}, text=line)

    # -- sequence flows -------------------------------------------------------------------

    def _flow(self, svg: etree._Element, flow: etree._Element) -> None:
        flow_id = str(flow.get("id"))
        edge = self.edges.get(flow_id)
        source, target = str(flow.get("sourceRef")), str(flow.get("targetRef"))
        taken = source in self.done and (target in self.done or target in self.current)
        group = _sub(
            svg,
            "g",
            {"class": "bpmn-flow is-done" if taken else "bpmn-flow", "data-id": flow_id},
        )
        _sub(group, "title", text=self._flow_title(flow, source, target))
        if edge is None:
            return
        points = [
            (float(w.get("x", "0")), float(w.get("y", "0")))
            for w in edge.iterfind("di:waypoint", NS)
        ]
        points = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
        if len(points) < 2:
            return
        color = DONE[0] if taken else INK
        self.extent.extend(Box(x, y, 0, 0) for x, y in points)
        (x1, y1), (x2, y2) = points[-2], points[-1]
        length = math.hypot(x2 - x1, y2 - y1)
        ux, uy = (x2 - x1) / length, (y2 - y1) / length
        head, half = 11.0, 4.0
        line = [*points[:-1], (x2 - ux * head * 0.6, y2 - uy * head * 0.6)]
        _sub(
            group,
            "polyline",
            {
                "points": _points(line),
                "fill": "none",
                "stroke": color,
                "stroke-width": 2.5 if taken else 1.5,
                "stroke-linejoin": "round",
            },
        )
        base = (x2 - ux * head, y2 - uy * head)
        arrow = [
            (x2, y2),
            (base[0] - uy * half, base[1] + ux * half),
            (base[0] + uy * half, base[1] - ux * half),
        ]
        _sub(group, "polygon", {"points": _points(arrow), "fill": color, "stroke": color})
        source_node = self.nodes.get(source)
        if source_node is not None and source_node.get("default") == flow_id:
            self._default_marker(group, points, color)
        if flow.get("name"):
            name = _clean(str(flow.get("name")))
            bounds = _label_bounds(edge) or _midpoint_label(points, name)
            self._floating_label(group, name, bounds, grow_up=False)

    def _flow_title(self, flow: etree._Element, source: str, target: str) -> str:
        if flow.get("name"):
            return _clean(str(flow.get("name")))
        ends = [self._name(self.nodes[i]) if i in self.nodes else i for i in (source, target)]
        return " → ".join(ends)

    @staticmethod
    def _default_marker(
        group: etree._Element, points: list[tuple[float, float]], color: str
    ) -> None:
        """The slash that marks a gateway's or activity's default flow."""
        (x1, y1), (x2, y2) = points[0], points[1]
        length = math.hypot(x2 - x1, y2 - y1)
        ux, uy = (x2 - x1) / length, (y2 - y1) / length
        mx, my = x1 + ux * 10, y1 + uy * 10
        a = (mx - uy * 5 - ux * 3, my + ux * 5 - uy * 3)
        b = (mx + uy * 5 + ux * 3, my - ux * 5 + uy * 3)
        _sub(
            group,
            "line",
            {"x1": a[0], "y1": a[1], "x2": b[0], "y2": b[1], "stroke": color, "stroke-width": 1.5},
        )


def _sub(
    parent: etree._Element, tag: str, attrs: dict[str, object] | None = None, text: str = ""
) -> etree._Element:
    element = etree.SubElement(parent, f"{{{SVG}}}{tag}")
    for key, value in (attrs or {}).items():
        element.set(key, _num(value) if isinstance(value, int | float) else str(value))
    if text:
        element.text = text
    return element


def _rect(box: Box) -> dict[str, object]:
    return {"x": box.x, "y": box.y, "width": box.width, "height": box.height}


def _diamond(box: Box) -> list[tuple[float, float]]:
    return [(box.cx, box.y), (box.right, box.cy), (box.cx, box.bottom), (box.x, box.cy)]


def _midpoint_label(points: list[tuple[float, float]], name: str) -> Box:
    """Where a named flow without label bounds gets its name: beside its middle.

    Above a horizontal stretch, to the right of a vertical one, as modelers place them.
    """
    remaining = sum(math.dist(a, b) for a, b in pairwise(points)) / 2
    x, y = points[0]
    vertical = False
    for a, b in pairwise(points):
        length = math.dist(a, b)
        if length and remaining <= length:
            t = remaining / length
            x, y = a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t
            vertical = abs(b[1] - a[1]) > abs(b[0] - a[0])
            break
        remaining -= length
    width = min(_text_width(name, FONT_SIZE), EXTERNAL_LABEL_WIDTH - FONT_SIZE)
    if vertical:
        return Box(x + 6, y - LINE_HEIGHT / 2, width, LINE_HEIGHT)
    return Box(x - width / 2, y - LINE_HEIGHT - 3, width, LINE_HEIGHT)


def _person_icon(group: etree._Element, x: float, y: float, look: _Look) -> None:
    """The user-task marker: head and shoulders."""
    line = {"stroke": look.stroke, "stroke-width": 1.2, "stroke-linejoin": "round"}
    body = (
        f"M{_num(x + 1)},{_num(y + 16)} v-3 q0,-5 5,-5 h3 q5,0 5,5 v3 z"
        f" M{_num(x + 4.5)},{_num(y + 11)} v5 M{_num(x + 10.5)},{_num(y + 11)} v5"
    )
    _sub(group, "path", {"d": body, "fill": look.fill} | line)
    _sub(group, "circle", {"cx": x + 7.5, "cy": y + 4.5, "r": 3.5, "fill": look.fill} | line)


def _table_icon(group: etree._Element, x: float, y: float, look: _Look) -> None:
    """The business-rule-task marker: a decision table with a shaded header row."""
    line = {"stroke": look.stroke, "stroke-width": 1}
    _sub(group, "rect", {"x": x, "y": y, "width": 17, "height": 12, "fill": look.fill} | line)
    _sub(group, "rect", {"x": x, "y": y, "width": 17, "height": 3.5, "fill": look.stroke} | line)
    _sub(group, "line", {"x1": x, "y1": y + 7.75, "x2": x + 17, "y2": y + 7.75} | line)
    _sub(group, "line", {"x1": x + 5, "y1": y + 3.5, "x2": x + 5, "y2": y + 12} | line)


def _collapsed_marker(group: etree._Element, box: Box, look: _Look) -> None:
    """The [+] that says the activity's content is drawn elsewhere."""
    x, y = box.cx - 7, box.bottom - 18
    line = {"stroke": look.stroke, "stroke-width": 1.5}
    _sub(group, "rect", {"x": x, "y": y, "width": 14, "height": 14, "fill": "none"} | line)
    _sub(group, "line", {"x1": x + 3, "y1": y + 7, "x2": x + 11, "y2": y + 7} | line)
    _sub(group, "line", {"x1": x + 7, "y1": y + 3, "x2": x + 7, "y2": y + 11} | line)


def _clock_icon(group: etree._Element, cx: float, cy: float, r: float, look: _Look) -> None:
    """The timer marker: a clock face with twelve ticks and two hands."""
    line = {"stroke": look.stroke, "stroke-linecap": "round"}
    _sub(
        group, "circle", {"cx": cx, "cy": cy, "r": r, "fill": look.fill, "stroke-width": 1.5} | line
    )
    for hour in range(12):
        angle = math.radians(hour * 30)
        sx, sy = math.sin(angle), -math.cos(angle)
        tick = {"x1": cx + sx * r * 0.75, "y1": cy + sy * r * 0.75}
        _sub(group, "line", tick | {"x2": cx + sx * r, "y2": cy + sy * r, "stroke-width": 1} | line)
    hands = [(0.0, 0.7), (math.radians(75), 0.55)]
    for angle, reach in hands:
        end = {"x2": cx + math.sin(angle) * r * reach, "y2": cy - math.cos(angle) * r * reach}
        _sub(group, "line", {"x1": cx, "y1": cy} | end | {"stroke-width": 1.5} | line)
