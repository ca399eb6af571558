"""Estates: the maintenance fund's ledger and an account statement to record."""

from __future__ import annotations

from marshmallow import Schema, fields

from service.core.inputs import RequestSchema, Text, length


class FundStatementSchema(RequestSchema):
    balance = Text(
        required=True,
        validate=length(1, 20),
        metadata={"description": "对账单余额（元），如 1200000.00"},
    )
    statement_date = Text(
        required=True, validate=length(10, 10), metadata={"description": "对账单日期，YYYY-MM-DD"}
    )
    reference = Text(
        required=True, validate=length(1, 100), metadata={"description": "对账单编号或银行流水号"}
    )


class StatementViewSchema(Schema):
    balance = fields.Decimal(required=True, as_string=True)
    statement_date = fields.Date(required=True)
    reference = fields.String(required=True)
    recorded_by = fields.String(required=True, metadata={"description": "登记人"})
    recorded_at = fields.AwareDateTime(required=True)


class FundUseViewSchema(Schema):
    case_id = fields.Integer(required=True)
    title = fields.String(required=True)
    matter_type = fields.String(required=True)
    status = fields.String(
        required=True, metadata={"description": "reserved 占用中、spent 已划转、released 已释放"}
    )
    amount = fields.Decimal(
        required=True, as_string=True, metadata={"description": "预算（占用）金额"}
    )
    spent = fields.Decimal(required=True, as_string=True, allow_none=True)
    spent_on = fields.Date(required=True, allow_none=True)


class FundLedgerSchema(Schema):
    estate_code = fields.String(required=True)
    estate_name = fields.String(required=True)
    statement = fields.Nested(StatementViewSchema, required=True, allow_none=True)
    spent = fields.Decimal(
        required=True, as_string=True, metadata={"description": "对账单日期后已划转"}
    )
    balance = fields.Decimal(required=True, as_string=True, allow_none=True)
    reserved = fields.Decimal(
        required=True, as_string=True, metadata={"description": "办理中案件占用"}
    )
    available = fields.Decimal(required=True, as_string=True, allow_none=True)
    statements = fields.List(fields.Nested(StatementViewSchema), required=True)
    uses = fields.List(fields.Nested(FundUseViewSchema), required=True)
