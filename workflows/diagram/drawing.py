"""Draw a BPMN model as SVG from its diagram interchange (BPMNDI), on the server.

The case page and the auditor's replay show the model a case runs on, with the path the
case took. Drawing it here from the very file the engine executes keeps picture and
execution in step without shipping a JavaScript modeler to the browser. The output is a
pure function of the inputs (no clock, no randomness, document order throughout), so a
page can be cached and two renderings compared byte for byte.
"""

from __future__ import annotations

import math
from collections.abc import Collection

from lxml import etree

from workflows.diagram.geometry import Box, diamond, num, point_list
from workflows.diagram.labels import (
    EXTERNAL_LABEL_WIDTH,
    FONT_FAMILY,
    FONT_SIZE,
    LINE_HEIGHT,
    POOL_FONT_SIZE,
    clean,
    fit,
    midpoint_label,
    text_width,
    wrap,
)
from workflows.diagram.notation import (
    ACTIVITIES,
    BPMN,
    FLOW_NODES,
    GATEWAYS,
    NS,
    drawn_planes,
    find_process,
    label_box,
    local_name,
    parse_model,
    shape_box,
)
from workflows.diagram.svg import (
    CURRENT,
    DONE,
    HALO,
    HEADER_FILL,
    INK,
    OVERDUE,
    SVG,
    Look,
    collapsed_marker,
    default_marker,
    event_shape,
    gateway_shape,
    person_icon,
    rect,
    sub,
    table_icon,
    vertical_text,
)
from workflows.i18n import _

HEADER_WIDTH = 30  # the name band at the left of a horizontal pool or lane
MARGIN = 12


def diagram_ids(xml: str | bytes) -> dict[str, str]:
    """Map each process id in a model file to the id of the BPMNPlane that draws it."""
    return {pid: str(plane.get("id", "")) for pid, plane in drawn_planes(parse_model(xml)).items()}


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
    root = parse_model(xml)
    process = find_process(root, process_id)
    pid = str(process.get("id"))
    plane = drawn_planes(root).get(pid)
    if plane is None:
        raise ValueError(f"process {pid!r} has no diagram")
    return _Drawing(root, process, plane, set(done), set(current), set(overdue)).svg(title)


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
            if local_name(el) in FLOW_NODES and el.get("id")
        }
        self.extent: list[Box] = []

    # -- document -------------------------------------------------------------------------

    def svg(self, title: str | None) -> str:
        participant = self._participant()
        name = (participant.get("name") if participant is not None else None) or (
            self.process.get("name") or str(self.process.get("id"))
        )
        label = clean(title) if title else _("流程图：{name}").format(name=name)
        svg = etree.Element(f"{{{SVG}}}svg", nsmap={None: SVG})
        svg.set("class", "bpmn-diagram")
        svg.set("viewBox", "")
        svg.set("width", "100%")
        svg.set("role", "img")
        svg.set("aria-label", self._aria_label(label))
        svg.set("font-family", FONT_FAMILY)
        svg.set("font-size", str(FONT_SIZE))
        sub(svg, "title", text=label)

        if participant is not None:
            self._pool(svg, participant)
        for lane in self.process.iter(f"{{{BPMN}}}lane"):
            self._lane(svg, lane)
        for node_id, node in self.nodes.items():
            if node_id in self.current:
                self._current_marker(svg, node)
        for flow in self.process.iter(f"{{{BPMN}}}sequenceFlow"):
            self._flow(svg, flow)
        ordered = sorted(self.nodes.values(), key=lambda n: local_name(n) == "boundaryEvent")
        for node in ordered:
            self._node(svg, node)

        view = self._view_box()
        svg.set("viewBox", " ".join(num(v) for v in (view.x, view.y, view.width, view.height)))
        return str(etree.tostring(svg, encoding="unicode"))

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
        return clean(element.get("name") or str(element.get("id")))

    # -- pool and lanes -------------------------------------------------------------------

    def _pool(self, svg: etree._Element, participant: etree._Element) -> None:
        shape = self.shapes.get(str(participant.get("id")))
        box = shape_box(shape)
        if box is None:
            return
        group = self._group(svg, participant, "bpmn-pool")
        sub(group, "title", text=self._name(participant))
        self._container(group, box, shape, participant.get("name") or "", bold=True)

    def _lane(self, svg: etree._Element, lane: etree._Element) -> None:
        shape = self.shapes.get(str(lane.get("id")))
        box = shape_box(shape)
        if box is None:
            return
        group = self._group(svg, lane, "bpmn-lane")
        sub(group, "title", text=self._name(lane))
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
        sub(group, "rect", rect(band) | {"fill": HEADER_FILL, "stroke": "none"})
        sub(group, "rect", rect(box) | {"fill": "none", "stroke": INK, "stroke-width": 1.5})
        if horizontal:
            line = {"x1": band.right, "y1": band.y, "x2": band.right, "y2": band.bottom}
        else:
            line = {"x1": band.x, "y1": band.bottom, "x2": band.right, "y2": band.bottom}
        sub(group, "line", line | {"stroke": INK, "stroke-width": 1.5})
        if not name:
            return
        size = POOL_FONT_SIZE if bold else FONT_SIZE
        weight: dict[str, object] = {"font-weight": "bold"} if bold else {}
        if horizontal:
            vertical_text(group, clean(name), band, size, weight)
        else:
            lines = fit(wrap(clean(name), band.width - 8, size), 1, band.width - 8, size)
            self._text(group, lines, band.cx, band.cy - LINE_HEIGHT / 2, size, attrs=weight)

    # -- flow nodes -----------------------------------------------------------------------

    def _look(self, node_id: str) -> Look:
        if node_id in self.overdue:
            return Look(*OVERDUE)
        if node_id in self.current:
            return Look(*CURRENT)
        if node_id in self.done:
            return Look(*DONE)
        return Look()

    def _group(self, svg: etree._Element, element: etree._Element, kind: str) -> etree._Element:
        element_id = str(element.get("id"))
        classes = [kind, f"bpmn-{local_name(element).lower()}"]
        states = (("done", self.done), ("current", self.current), ("overdue", self.overdue))
        classes += [f"is-{state}" for state, ids in states if element_id in ids]
        group = sub(svg, "g", {"class": " ".join(classes), "data-id": element_id})
        if element_id in self.current:
            group.set("aria-current", "step")
        return group

    def _node(self, svg: etree._Element, node: etree._Element) -> None:
        node_id = str(node.get("id"))
        shape = self.shapes.get(node_id)
        box = shape_box(shape)
        if shape is None or box is None:
            return
        kind = local_name(node)
        group = self._group(svg, node, "bpmn-node")
        if kind == "callActivity" and node.get("calledElement"):
            group.set("data-called", str(node.get("calledElement")))
        sub(group, "title", text=self._tooltip(node))
        look = self._look(node_id)
        self.extent.append(box.grown(6))
        if kind in ACTIVITIES:
            self._activity(group, node, box, look)
        elif kind in GATEWAYS:
            gateway_shape(group, node, box, look)
            self._external_label(group, node, shape, box)
        else:
            event_shape(group, node, box, look)
            self._external_label(group, node, shape, box)

    def _current_marker(self, svg: etree._Element, node: etree._Element) -> None:
        """The thick outline around a current step, under the flows so arrows stay whole."""
        box = shape_box(self.shapes.get(str(node.get("id"))))
        if box is None:
            return
        kind = local_name(node)
        group = sub(svg, "g", {"class": "bpmn-current-marker", "data-for": str(node.get("id"))})
        outline = {"fill": "none", "stroke": CURRENT[0], "stroke-width": 3.5}
        if kind in ACTIVITIES:
            sub(group, "rect", rect(box.grown(5)) | {"rx": 14} | outline)
        elif kind in GATEWAYS:
            sub(group, "polygon", {"points": point_list(diamond(box.grown(6)))} | outline)
        else:
            r = min(box.width, box.height) / 2 + 5
            sub(group, "circle", {"cx": box.cx, "cy": box.cy, "r": r} | outline)

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

    def _activity(self, group: etree._Element, node: etree._Element, box: Box, look: Look) -> None:
        kind = local_name(node)
        thick = kind in ("callActivity", "transaction")
        sub(
            group,
            "rect",
            rect(box)
            | {
                "rx": 10,
                "fill": look.fill,
                "stroke": look.stroke,
                "stroke-width": 4 if thick else 2,
            },
        )
        icon = kind in ("userTask", "businessRuleTask")
        if kind == "userTask":
            person_icon(group, box.x + 6, box.y + 5, look)
        elif kind == "businessRuleTask":
            table_icon(group, box.x + 7, box.y + 7, look)
        collapsed = kind == "callActivity" or (
            kind == "subProcess" and self.shapes[str(node.get("id"))].get("isExpanded") != "true"
        )
        if collapsed:
            collapsed_marker(group, box, look)
        width = box.width - 12
        lines = wrap(self._name(node), width, FONT_SIZE)
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
        lines = fit(lines, max_lines, width, FONT_SIZE)
        block = len(lines) * LINE_HEIGHT
        top = min(max(box.cy - block / 2, lowest), highest - block)
        self._text(group, lines, box.cx, top, FONT_SIZE)

    def _boundary_boxes(self, host_id: str) -> list[Box]:
        """Where the boundary events sitting on an activity's border are drawn."""
        boxes = [
            shape_box(self.shapes.get(node_id))
            for node_id, node in self.nodes.items()
            if local_name(node) == "boundaryEvent" and node.get("attachedToRef") == host_id
        ]
        return [b for b in boxes if b is not None]

    def _external_label(
        self, group: etree._Element, node: etree._Element, shape: etree._Element, box: Box
    ) -> None:
        """An event's or gateway's name, at its BPMNLabel bounds or else below the shape."""
        if not node.get("name"):
            return
        name = self._name(node)
        bounds = label_box(shape) or Box(
            box.cx - EXTERNAL_LABEL_WIDTH / 2, box.bottom + 8, EXTERNAL_LABEL_WIDTH, LINE_HEIGHT
        )
        self._floating_label(group, name, bounds, grow_up=bounds.cy < box.cy)

    def _floating_label(
        self, group: etree._Element, name: str, bounds: Box, *, grow_up: bool
    ) -> None:
        """A label outside any shape, with a white halo so lines under it stay readable."""
        width = max(bounds.width + FONT_SIZE, EXTERNAL_LABEL_WIDTH)
        lines = wrap(name, width, FONT_SIZE)
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
        widest = max((text_width(line, size) for line in lines), default=0)
        self.extent.append(Box(cx - widest / 2, top, widest, len(lines) * LINE_HEIGHT))
        text = sub(
            group,
            "text",
            {"class": "bpmn-label", "text-anchor": "middle", "font-size": size, "fill": INK}
            | (attrs or {}),
        )
        baseline = (LINE_HEIGHT - size) / 2 + size * 0.88
        for i, line in enumerate(lines):
            sub(text, "tspan", {"x": cx, "y": top + i * LINE_HEIGHT + baseline}, text=line)

    # -- sequence flows -------------------------------------------------------------------

    def _flow(self, svg: etree._Element, flow: etree._Element) -> None:
        flow_id = str(flow.get("id"))
        edge = self.edges.get(flow_id)
        source, target = str(flow.get("sourceRef")), str(flow.get("targetRef"))
        taken = source in self.done and (target in self.done or target in self.current)
        group = sub(
            svg,
            "g",
            {"class": "bpmn-flow is-done" if taken else "bpmn-flow", "data-id": flow_id},
        )
        sub(group, "title", text=self._flow_title(flow, source, target))
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
        sub(
            group,
            "polyline",
            {
                "points": point_list(line),
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
        sub(group, "polygon", {"points": point_list(arrow), "fill": color, "stroke": color})
        source_node = self.nodes.get(source)
        if source_node is not None and source_node.get("default") == flow_id:
            default_marker(group, points, color)
        if flow.get("name"):
            name = clean(str(flow.get("name")))
            bounds = label_box(edge) or midpoint_label(points, name)
            self._floating_label(group, name, bounds, grow_up=False)

    def _flow_title(self, flow: etree._Element, source: str, target: str) -> str:
        if flow.get("name"):
            return clean(str(flow.get("name")))
        ends = [self._name(self.nodes[i]) if i in self.nodes else i for i in (source, target)]
        return " → ".join(ends)
