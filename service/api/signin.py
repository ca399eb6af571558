"""Tokens: sign in with a password for a token, list and revoke one's tokens; who am I."""

from __future__ import annotations

from dataclasses import asdict

from service.admin import users
from service.api.common import actor, api_blueprint, case_service, errors, now, public, reading
from service.api.schemas.signin import (
    IssuedTokenSchema,
    TokenRequestSchema,
    TokenSchema,
    UserSchema,
)
from service.core.errors import Unauthenticated
from service.people import auth

bp = api_blueprint("api_auth", "登录与令牌：用户名和密码换取访问令牌，令牌的查看和撤销")


@bp.route("/auth/token", methods=["POST"])
@errors(bp, 401, 422, 429)
@bp.arguments(TokenRequestSchema)
@bp.response(201, IssuedTokenSchema)
@public
def create_token(body: dict):
    """用用户名和密码换取访问令牌（令牌只返回这一次）；连续输错密码会暂时锁定账户（429）"""
    service = case_service()
    try:
        with service.transaction() as session:
            issued = auth.sign_in_for_token(
                session,
                body["username"],
                body["password"],
                body["name"],
                now(),
                body["expires_in_days"],
            )
    except Unauthenticated:
        with service.transaction() as session:
            auth.record_failed_sign_in(session, body["username"], now())
        raise
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
