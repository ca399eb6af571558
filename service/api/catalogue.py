"""The matter catalogue: types, sub-types, legal basis, and the form of every step."""

from __future__ import annotations

from service.api.common import api_blueprint, errors
from service.api.schemas.catalogue import MatterDetailSchema, MatterSchema, VoteItemSchema
from service.cases import catalogue as matters
from service.cases.vote_rules import vote_item_table

bp = api_blueprint("api_matters", "事项目录：事项类型、类别、法律依据、各步骤表单及业主表决规则")


@bp.route("/matters", methods=["GET"])
@errors(bp)
@bp.response(200, MatterSchema(many=True))
def list_matters():
    """全部事项类型"""
    return matters.matter_list()


@bp.route("/matters/<string(maxlength=64):code>", methods=["GET"])
@errors(bp, 404)
@bp.response(200, MatterDetailSchema)
def matter(code: str):
    """一种事项：请示表单和各步骤表单"""
    return matters.matter_detail(code)


@bp.route("/vote-rules", methods=["GET"])
@errors(bp)
@bp.response(200, VoteItemSchema(many=True))
def vote_rules():
    """民法典第二百七十八条九项共同决定事项的表决规则及适用事项"""
    return vote_item_table()
