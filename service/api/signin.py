"""Tokens: sign in with a password for a token, list and revoke one's tokens; who am I."""

from __future__ import annotations

from dataclasses import asdict

from flask import current_app, request

from service.admin import users
from service.api.common import actor, api_blueprint, case_service, errors, now, public, reading
from service.api.schemas.signin import (
    IssuedTokenSchema,
    TokenRequestSchema,
    TokenSchema,
    UserSchema,
)
from service.people import auth
from service.people.sign_in import sign_in

bp = api_blueprint("api_auth", "登录与令牌：用户名和密码换取访问令牌，令牌的查看和撤销")


@bp.route("/auth/token", methods=["POST"])
@errors(bp, 401, 422, 429)
@bp.arguments(TokenRequestSchema)
@bp.response(201, IssuedTokenSchema)
@public
def create_token(body: dict):
    """用用户名和密码换取访问令牌（令牌只返回这一次）。同一客户端地址连续输错密码后须等待一段时间再试
    （429，Retry-After 给出秒数），其他地址的正确密码不受影响"""
    service = case_service()
    signed_in = sign_in(
        service,
        body["username"],
        body["password"],
        request.remote_addr,
        current_app.config["SIGN_IN_POLICY"],
    )
    with service.transaction() as session:
        issued = auth.issue_token(session, signed_in, body["name"], now(), body["expires_in_days"])
    return {"token": issued.token, **asdict(issued.details)}


@bp.route("/auth/tokens", methods=["GET"])
@errors(bp)
@bp.response(200, TokenSchema(many=True))
def list_tokens():
    """我的令牌（不含令牌本身）"""
    with reading() as session:
        return [asdict(t) for t in auth.tokens_of(session, actor())]


@bp.route("/auth/tokens/<id:token_id>", methods=["DELETE"])
@errors(bp, 404)
@bp.response(200, TokenSchema)
def revoke_token(token_id: int):
    """撤销我的一个令牌"""
    with case_service().transaction() as session:
        return asdict(auth.revoke_token(session, actor(), token_id, now()))


@bp.route("/me", methods=["GET"])
@errors(bp)
@bp.response(200, UserSchema)
def me():
    """当前用户及其角色（角色、地点、所代表的单位）"""
    with reading() as session:
        return asdict(users.me(session, actor()))
