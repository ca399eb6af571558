"""Estates: the maintenance fund's balance, reservations and transfers, and its account
statements."""

from __future__ import annotations

from dataclasses import asdict

from flask import Response

from service.api.common import actor, api_blueprint, case_service, errors, now, reading
from service.api.schemas.estates import FundLedgerSchema, FundStatementSchema
from service.estates import ledger as fund_ledger

bp = api_blueprint("api_estates", "小区：专项维修资金余额、占用、划转及对账单登记")


@bp.route("/estates/<estate>/fund", methods=["GET"])
@errors(bp, 404)
@bp.response(200, FundLedgerSchema)
def fund(estate: str):
    """小区专项维修资金：对账单余额 − 其后划转 = 当前余额；当前余额 − 办理中案件占用 = 可用余额"""
    with reading() as session:
        return asdict(fund_ledger.ledger(session, actor(), estate))


@bp.route("/estates/<estate>/fund.csv", methods=["GET"])
@errors(bp, 404)
@bp.response(200, {"type": "string"}, content_type="text/csv")
def fund_csv(estate: str):
    """小区专项维修资金台账（CSV 下载）"""
    with reading() as session:
        text = fund_ledger.ledger_csv(fund_ledger.ledger(session, actor(), estate))
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=fund-{estate}.csv"},
    )


@bp.route("/estates/<estate>/fund/statements", methods=["POST"])
@errors(bp, 403, 404, 422)
@bp.arguments(FundStatementSchema)
@bp.response(201, FundLedgerSchema)
def record_statement(body: dict, estate: str):
    """登记维修资金账户对账单（系统管理员或小区所在街道）：余额、对账单日期、编号"""
    with case_service().transaction() as session:
        fund_ledger.record_statement(session, actor(), estate, body, now())
    with reading() as session:
        return asdict(fund_ledger.ledger(session, actor(), estate)), 201
