"""What every part of the API's bodies shares: problem details, people, places, pages
of results and the entries of a hash-chained log."""

from __future__ import annotations

from marshmallow import Schema, fields

from service.core.inputs import (
    QuerySchema,
    Text,
    Whole,
    between,
    length,
)
from workflows.catalogue import MATTERS
from workflows.duties import DUTIES

KINDS = [*MATTERS, *DUTIES]


class ProblemTypeSchema(Schema):
    """What a problem ``type`` means."""

    type = fields.String(required=True, metadata={"description": "问题类型（URI，相对于本服务）"})
    title = fields.String(required=True, metadata={"description": "简短标题"})
    status = fields.Integer(required=True, metadata={"description": "HTTP 状态码"})
    description = fields.String(required=True, metadata={"description": "说明"})


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True, metadata={"description": "问题类型（URI）"})
    title = fields.String(required=True, metadata={"description": "简短标题"})
    status = fields.Integer(required=True, metadata={"description": "HTTP 状态码"})
    detail = fields.String(required=True, metadata={"description": "说明"})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "字段路径 → 中文错误信息（400/422）"},
    )


class PersonSchema(Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    display_name = fields.String(required=True)


class PlaceRefSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class PageArgs(QuerySchema):
    cursor = Text(
        validate=length(1, 500), metadata={"description": "上一页返回的 next_cursor（不透明）"}
    )
    limit = Whole(
        strict=False,
        load_default=20,
        validate=between(1, 100),
        metadata={"description": "每页条数，1–100，默认 20"},
    )


def page_of(item: type[Schema], name: str) -> type[Schema]:
    """A page of ``item``: the rows and the cursor of the next page (null on the last)."""
    return type(
        name,
        (Schema,),
        {
            "items": fields.List(fields.Nested(item), required=True),
            "next_cursor": fields.String(allow_none=True, required=True),
        },
    )


class ChainedEntrySchema(Schema):
    """What every hash-chained log entry has: its place, time, actor and links."""

    seq = fields.Integer(required=True)
    at = fields.AwareDateTime(required=True)
    actor = fields.Nested(PersonSchema, allow_none=True, required=True)
    hash = fields.String(required=True)
    prev_hash = fields.String(required=True)
