"""The street's 督办: the overdue step it is about, its actions, and what each action sends."""

from __future__ import annotations

from marshmallow import Schema, fields

from service.api.schemas.cases import EventSchema
from service.api.schemas.tasks import TaskSchema
from service.core.inputs import Day, Many, RequestSchema, Text, length
from service.tasks.street_powers import (
    MAX_ATTENDEE,
    MAX_ATTENDEES,
    MAX_INSTRUCTIONS,
    MAX_MINUTES,
    MAX_REASON,
)
from workflows.i18n import _


class SupervisionSchema(Schema):
    supervision = fields.Nested(TaskSchema, required=True, metadata={"description": "督办任务"})
    step = fields.Nested(
        TaskSchema, allow_none=True, required=True, metadata={"description": "被督办的超期步骤"}
    )
    actions = fields.List(
        fields.Nested(EventSchema),
        required=True,
        metadata={"description": "督办记录：重新限期、约谈、交回办理、办结"},
    )


class DeadlineSchema(RequestSchema):
    due_on = Day(
        required=True, metadata={"description": "超期步骤新的办理期限（当日 24 时止），应晚于今天"}
    )
    reason = Text(required=True, validate=length(1, MAX_REASON), metadata={"description": "理由"})


class SummonsSchema(RequestSchema):
    held_on = Day(required=True, metadata={"description": "约谈日期，不晚于今天"})
    attendees = Many(
        Text(validate=length(1, MAX_ATTENDEE)),
        required=True,
        validate=length(1, MAX_ATTENDEES),
        error_messages={"invalid": _("应为参加人员姓名的列表。")},
        metadata={"description": "参加约谈的人员"},
    )
    minutes = Text(
        required=True, validate=length(1, MAX_MINUTES), metadata={"description": "约谈纪要"}
    )


class HandBackSchema(RequestSchema):
    instructions = Text(
        required=True,
        validate=length(1, MAX_INSTRUCTIONS),
        metadata={"description": "督办意见：交回责任方办理的要求"},
    )
