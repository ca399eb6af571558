"""Uploaded files: checked by content, named by SHA-256, kept on disk outside the database.

Forms refer to a file as ``{"name", "sha256"}``. The bytes are written once under
``<directory>/<first two hex digits>/<sha256>``; the database keeps who uploaded what.
Only PDF, JPEG, PNG, DOCX and XLSX are accepted, and the content must be what the name
says (a renamed executable is refused). A file can be read by whoever uploaded it, and by
whoever may read a case whose history refers to it.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.cases.readable import readable_case
from service.core.errors import Forbidden, InvalidInput, NotFound
from service.core.models import Attachment
from service.history.chain import events_of
from service.people.access import Actor, may_upload
from workflows.i18n import _

CHUNK = 64 * 1024
ALLOWED_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_MAGIC = {
    "pdf": b"%PDF-",
    "jpg": b"\xff\xd8\xff",
    "jpeg": b"\xff\xd8\xff",
    "png": b"\x89PNG\r\n\x1a\n",
}
_SHA256 = re.compile(r"[0-9a-f]{64}")
_OFFICE_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}


@dataclass(frozen=True)
class AttachmentView:
    sha256: str
    name: str
    content_type: str
    size: int
    uploaded_at: datetime


@dataclass(frozen=True)
class StoredFile:
    """What a download needs: where the bytes are and what to call them."""

    path: Path
    name: str
    content_type: str


def clean_name(filename: str) -> str:
    """The file's own name without folders or control characters, at most 255 characters."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    return name[-255:]


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _content_matches(extension: str, path: Path) -> bool:
    if extension in _OFFICE_PART:
        try:
            with zipfile.ZipFile(path) as archive:
                return _OFFICE_PART[extension] in archive.namelist()
        except (zipfile.BadZipFile, OSError):
            return False
    with path.open("rb") as handle:
        return handle.read(len(_MAGIC[extension])) == _MAGIC[extension]


def blob_path(directory: Path, sha256: str) -> Path:
    """Where the bytes of ``sha256`` live; anything but 64 hex digits names no file."""
    if not _SHA256.fullmatch(sha256):
        raise NotFound(_("没有找到该文件，或您无权查看。"))
    return directory / sha256[:2] / sha256


def store_upload(
    session: Session,
    actor: Actor,
    directory: Path,
    filename: str,
    stream: IO[bytes],
    now: datetime,
) -> AttachmentView:
    """Check and keep one uploaded file; uploading the same content again is harmless."""
    if not may_upload(actor):
        raise Forbidden(_("您的角色只能查阅，不能上传文件。"))
    name = clean_name(filename or "")
    extension = _extension(name)
    if extension not in ALLOWED_TYPES:
        raise InvalidInput({"file": [_("只接受 PDF、JPG、PNG、DOCX、XLSX 格式的文件。")]})
    directory.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    handle, temp_name = tempfile.mkstemp(dir=directory, prefix=".upload-")
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        if size == 0:
            raise InvalidInput({"file": [_("文件是空的，请重新选择。")]})
        if not _content_matches(extension, temp):
            raise InvalidInput(
                {"file": [_("文件内容与扩展名“{ext}”不符，请检查文件。").format(ext=extension)]}
            )
        sha256 = digest.hexdigest()
        target = blob_path(directory, sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    return _record(session, actor, sha256, name, ALLOWED_TYPES[extension], size, now)


def _record(
    session: Session,
    actor: Actor,
    sha256: str,
    name: str,
    content_type: str,
    size: int,
    now: datetime,
) -> AttachmentView:
    existing = _uploaded(session, actor, sha256)
    if existing is None:
        row = Attachment(
            sha256=sha256,
            name=name,
            content_type=content_type,
            size=size,
            uploaded_by=actor.user_id,
            uploaded_at=now,
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            row = _uploaded(session, actor, sha256)
        existing = row
    return _view(existing)


def _uploaded(session: Session, actor: Actor, sha256: str) -> Attachment | None:
    return session.scalar(
        select(Attachment).where(
            Attachment.sha256 == sha256, Attachment.uploaded_by == actor.user_id
        )
    )


def _view(row: Attachment) -> AttachmentView:
    return AttachmentView(row.sha256, row.name, row.content_type, row.size, row.uploaded_at)


def references(data: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(field path, sha256) of every ``{"name", "sha256"}`` found anywhere in ``data``."""
    if isinstance(data, Mapping):
        if isinstance(data.get("sha256"), str) and "name" in data:
            yield (f"{path}.sha256" if path else "sha256"), data["sha256"]
        for key, value in data.items():
            yield from references(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from references(value, f"{path}.{index}" if path else str(index))


def _case_references(session: Session, case_id: int) -> set[str]:
    return {sha for event in events_of(session, case_id) for _path, sha in references(event.data)}


def check_references(
    session: Session, actor: Actor, payload: Any, case_id: int | None = None
) -> None:
    """Every file a submission names must be the actor's upload or already in the case."""
    named = list(references(payload))
    if not named:
        return
    own = set(
        session.scalars(
            select(Attachment.sha256).where(
                Attachment.uploaded_by == actor.user_id,
                Attachment.sha256.in_({sha for _path, sha in named}),
            )
        )
    )
    known = own | (_case_references(session, case_id) if case_id is not None else set())
    errors = {
        path: [_("找不到该附件，请先上传文件，再引用上传后返回的校验值。")]
        for path, sha in named
        if sha not in known
    }
    if errors:
        raise InvalidInput(errors)


def own_file(session: Session, actor: Actor, directory: Path, sha256: str) -> StoredFile:
    """A file the actor uploaded (before any case refers to it)."""
    path = blob_path(directory, sha256)
    row = _uploaded(session, actor, sha256)
    if row is None or not path.is_file():
        raise NotFound(_("没有找到该文件，或您无权查看。"))
    return StoredFile(path, row.name, row.content_type)


def case_file(
    session: Session, actor: Actor, directory: Path, case_id: int, sha256: str
) -> StoredFile:
    """A file a readable case's history refers to."""
    readable_case(session, actor, case_id)
    path = blob_path(directory, sha256)
    row = session.scalar(select(Attachment).where(Attachment.sha256 == sha256).limit(1))
    if row is None or sha256 not in _case_references(session, case_id) or not path.is_file():
        raise NotFound(_("没有找到该文件，或您无权查看。"))
    return StoredFile(path, row.name, row.content_type)
