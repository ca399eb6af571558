"""SVG elements and the BPMN notation's fixed marks: colours, shapes, icons and markers.

Everything here is a function of its arguments: where to draw and in which colours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lxml import etree

from workflows.diagram.geometry import Box, diamond, num, point_list
from workflows.diagram.labels import fit, wrap
from workflows.diagram.notation import NS, local_name

SVG = "http://www.w3.org/2000/svg"

INK = "#22242a"
PAPER = "#ffffff"
HEADER_FILL = "#f4f5f7"
HALO = "#ffffff"
DONE = ("#2e7d32", "#e8f5e9")
CURRENT = ("#1565c0", "#e3f2fd")
OVERDUE = ("#c62828", "#ffebee")


@dataclass(frozen=True)
class Look:
    """Stroke and fill of one node, from its place on the case's path."""

    stroke: str = INK
    fill: str = PAPER


def sub(
    parent: etree._Element, tag: str, attrs: dict[str, object] | None = None, text: str = ""
) -> etree._Element:
    """An SVG element under ``parent``, its numeric attributes written short."""
    element = etree.SubElement(parent, f"{{{SVG}}}{tag}")
    for key, value in (attrs or {}).items():
        element.set(key, num(value) if isinstance(value, int | float) else str(value))
    if text:
        element.text = text
    return element


def rect(box: Box) -> dict[str, object]:
    return {"x": box.x, "y": box.y, "width": box.width, "height": box.height}


def vertical_text(
    group: etree._Element, name: str, band: Box, size: int, attrs: dict[str, object]
) -> None:
    """Write ``name`` top to bottom in columns (right to left), as Chinese is set."""
    length = band.height - 16
    pitch = size + 3
    max_columns = max(1, int((band.width - 4) // pitch))
    columns = fit(wrap(name, length, size), max_columns, length, size)
    for i, column in enumerate(columns):
        x = band.cx + ((len(columns) - 1) / 2 - i) * pitch
        sub(
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


def gateway_shape(group: etree._Element, node: etree._Element, box: Box, look: Look) -> None:
    """A gateway's diamond with the mark of its kind (cross, plus, ring)."""
    sub(
        group,
        "polygon",
        {
            "points": point_list(diamond(box)),
            "fill": look.fill,
            "stroke": look.stroke,
            "stroke-width": 2,
            "stroke-linejoin": "round",
        },
    )
    kind = local_name(node)
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
        sub(group, "line", {"x1": x1, "y1": y1, "x2": x2, "y2": y2} | mark)
    if kind in ("inclusiveGateway", "eventBasedGateway"):
        ring = {"cx": cx, "cy": cy, "fill": "none", "stroke": look.stroke}
        sub(group, "circle", ring | {"r": arm * 1.3, "stroke-width": 2.5})
        if kind == "eventBasedGateway":
            sub(group, "circle", ring | {"r": arm * 1.6, "stroke-width": 1})


def event_shape(group: etree._Element, node: etree._Element, box: Box, look: Look) -> None:
    """An event's circle (thick for an end, double for the rest) and its definition's icon."""
    kind = local_name(node)
    r = min(box.width, box.height) / 2
    cx, cy = box.cx, box.cy
    outline = {"cx": cx, "cy": cy, "fill": look.fill, "stroke": look.stroke}
    if kind == "endEvent":
        sub(group, "circle", outline | {"r": r - 1, "stroke-width": 4})
    elif kind == "startEvent":
        sub(group, "circle", outline | {"r": r, "stroke-width": 2})
    else:
        dashed = kind == "boundaryEvent" and node.get("cancelActivity") == "false"
        dash = {"stroke-dasharray": "5.5 3"} if dashed else {}
        sub(group, "circle", outline | {"r": r, "stroke-width": 1.5} | dash)
        inner = outline | {"r": r - 3.5, "fill": "none", "stroke-width": 1.5}
        sub(group, "circle", inner | dash)
    if node.find("bpmn:timerEventDefinition", NS) is not None:
        clock_icon(group, cx, cy, r * 0.6, look)
    elif node.find("bpmn:terminateEventDefinition", NS) is not None:
        sub(group, "circle", {"cx": cx, "cy": cy, "r": r * 0.55, "fill": look.stroke})


def default_marker(group: etree._Element, points: list[tuple[float, float]], color: str) -> None:
    """The slash that marks a gateway's or activity's default flow."""
    (x1, y1), (x2, y2) = points[0], points[1]
    length = math.hypot(x2 - x1, y2 - y1)
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    mx, my = x1 + ux * 10, y1 + uy * 10
    a = (mx - uy * 5 - ux * 3, my + ux * 5 - uy * 3)
    b = (mx + uy * 5 + ux * 3, my - ux * 5 + uy * 3)
    sub(
        group,
        "line",
        {"x1": a[0], "y1": a[1], "x2": b[0], "y2": b[1], "stroke": color, "stroke-width": 1.5},
    )


def person_icon(group: etree._Element, x: float, y: float, look: Look) -> None:
    """The user-task marker: head and shoulders."""
    line = {"stroke": look.stroke, "stroke-width": 1.2, "stroke-linejoin": "round"}
    body = (
        f"M{num(x + 1)},{num(y + 16)} v-3 q0,-5 5,-5 h3 q5,0 5,5 v3 z"
        f" M{num(x + 4.5)},{num(y + 11)} v5 M{num(x + 10.5)},{num(y + 11)} v5"
    )
    sub(group, "path", {"d": body, "fill": look.fill} | line)
    sub(group, "circle", {"cx": x + 7.5, "cy": y + 4.5, "r": 3.5, "fill": look.fill} | line)


def table_icon(group: etree._Element, x: float, y: float, look: Look) -> None:
    """The business-rule-task marker: a decision table with a shaded header row."""
    line = {"stroke": look.stroke, "stroke-width": 1}
    sub(group, "rect", {"x": x, "y": y, "width": 17, "height": 12, "fill": look.fill} | line)
    sub(group, "rect", {"x": x, "y": y, "width": 17, "height": 3.5, "fill": look.stroke} | line)
    sub(group, "line", {"x1": x, "y1": y + 7.75, "x2": x + 17, "y2": y + 7.75} | line)
    sub(group, "line", {"x1": x + 5, "y1": y + 3.5, "x2": x + 5, "y2": y + 12} | line)


def collapsed_marker(group: etree._Element, box: Box, look: Look) -> None:
    """The [+] that says the activity's content is drawn elsewhere."""
    x, y = box.cx - 7, box.bottom - 18
    line = {"stroke": look.stroke, "stroke-width": 1.5}
    sub(group, "rect", {"x": x, "y": y, "width": 14, "height": 14, "fill": "none"} | line)
    sub(group, "line", {"x1": x + 3, "y1": y + 7, "x2": x + 11, "y2": y + 7} | line)
    sub(group, "line", {"x1": x + 7, "y1": y + 3, "x2": x + 7, "y2": y + 11} | line)


def clock_icon(group: etree._Element, cx: float, cy: float, r: float, look: Look) -> None:
    """The timer marker: a clock face with twelve ticks and two hands."""
    line: dict[str, object] = {"stroke": look.stroke, "stroke-linecap": "round"}
    sub(
        group, "circle", {"cx": cx, "cy": cy, "r": r, "fill": look.fill, "stroke-width": 1.5} | line
    )
    for hour in range(12):
        angle = math.radians(hour * 30)
        sx, sy = math.sin(angle), -math.cos(angle)
        tick = {"x1": cx + sx * r * 0.75, "y1": cy + sy * r * 0.75}
        sub(group, "line", tick | {"x2": cx + sx * r, "y2": cy + sy * r, "stroke-width": 1} | line)
    hands = [(0.0, 0.7), (math.radians(75), 0.55)]
    for angle, reach in hands:
        end = {"x2": cx + math.sin(angle) * r * reach, "y2": cy - math.cos(angle) * r * reach}
        sub(group, "line", {"x1": cx, "y1": cy} | end | {"stroke-width": 1.5} | line)
