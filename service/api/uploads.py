"""Attachments: upload a file (multipart), download one's own upload."""

from __future__ import annotations

from dataclasses import asdict

from flask import request

from service.api.cases import binary_responses, file_response
from service.api.common import (
    actor,
    api_blueprint,
    attachment_dir,
    case_service,
    errors,
    now,
    reading,
)
from service.api.schemas.cases import AttachmentSchema, UploadSchema
from service.cases import attachments
from service.core.errors import InvalidInput
from workflows.i18n import _

bp = api_blueprint("api_attachments", "附件：上传（大小和类型受限，按 SHA-256 存放）与下载")


@bp.route("/attachments", methods=["POST"])
@errors(bp, 403, 413, 422)
@bp.arguments(UploadSchema, location="files")
@bp.response(201, AttachmentSchema)
def upload(files: dict):
    """上传附件；返回的 sha256 和 name 用于表单中的附件字段"""
    # Any part but the file is refused, as the document's additionalProperties: false
    # says, rather than dropped unread (the parser ignores unknown parts of a form).
    extra = [name for name in (*request.form, *request.files) if name != "file"]
    if extra:
        raise InvalidInput({name: [_("不接受此字段。")] for name in extra})
    upload = files["file"]
    with case_service().transaction() as session:
        stored = attachments.store_upload(
            session, actor(), attachment_dir(), upload.filename or "", upload.stream, now()
        )
    return asdict(stored)


@bp.route("/attachments/<string(length=64):sha256>", methods=["GET"])
@errors(bp, 404)
@binary_responses(bp)
def download(sha256: str):
    """下载我上传的附件"""
    with reading() as session:
        stored = attachments.own_file(session, actor(), attachment_dir(), sha256)
    return file_response(stored)
