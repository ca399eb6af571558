"""Deployed model versions: stored by content hash, parsed once per process."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.core.models import ModelVersion
from workflows.engine.bundle import ModelBundle
from workflows.engine.parsed_models import ParsedModels, parsed, parsed_version


def deploy(session: Session, bundle: ModelBundle, at: datetime) -> str:
    """Store ``bundle`` unless a version with the same content is already deployed."""
    version = bundle.version
    # Only whether it is there: the row holds every model file.
    if session.scalar(select(ModelVersion.version).where(ModelVersion.version == version)) is None:
        session.add(ModelVersion(version=version, files=dict(bundle.files), deployed_at=at))
        session.flush()
    parsed(bundle)
    return version


def models_for(session: Session, version: str) -> ParsedModels:
    """The parsed models a case started on, loaded from the database on first use."""
    models = parsed_version(version)
    if models is None:
        row = session.get(ModelVersion, version)
        if row is None:
            raise LookupError(f"model version {version} is not deployed")
        models = parsed(ModelBundle(files=dict(row.files)))
    return models
