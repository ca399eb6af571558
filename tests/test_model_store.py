"""Model bundles: read from the model directory when it changes, stored once per content."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.cases.model_store import deploy
from service.core.models import ModelVersion
from workflows.engine.bundle import MODELS_DIR, ModelBundle

AT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _copy_models(target: Path) -> Path:
    for path in MODELS_DIR.iterdir():
        if path.suffix in (".bpmn", ".dmn"):
            shutil.copy2(path, target / path.name)
    return target


def test_an_unchanged_directory_gives_the_bundle_already_read(tmp_path: Path) -> None:
    models = _copy_models(tmp_path)
    first = ModelBundle.from_directory(models)
    assert ModelBundle.from_directory(models) is first
    assert first.files == ModelBundle(files=dict(first.files)).files


def test_an_edited_model_gives_a_new_version(tmp_path: Path) -> None:
    models = _copy_models(tmp_path)
    before = ModelBundle.from_directory(models)
    dmn = models / "vote_rule.dmn"
    dmn.write_text(dmn.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    after = ModelBundle.from_directory(models)
    assert after.version != before.version
    assert after.files["vote_rule.dmn"].endswith("\n")


def test_a_model_replaced_with_equal_size_is_read_again(tmp_path: Path) -> None:
    models = _copy_models(tmp_path)
    before = ModelBundle.from_directory(models)
    dmn = models / "vote_rule.dmn"
    text = dmn.read_text(encoding="utf-8")
    replacement = models / "vote_rule.dmn.new"
    replacement.write_text(text, encoding="utf-8")
    stat = dmn.stat()
    os.utime(replacement, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    replacement.replace(dmn)  # another inode, same name, size and time
    assert ModelBundle.from_directory(models) is not before


def test_a_removed_model_gives_a_new_version(tmp_path: Path) -> None:
    models = _copy_models(tmp_path)
    before = ModelBundle.from_directory(models)
    (models / "vote_rule.dmn").unlink()
    after = ModelBundle.from_directory(models)
    assert "vote_rule.dmn" not in after.files
    assert after.version != before.version


def test_a_bundle_is_stored_once(db_engine, tmp_path: Path) -> None:
    bundle = ModelBundle.from_directory(_copy_models(tmp_path))
    with Session(db_engine) as session, session.begin():
        assert deploy(session, bundle, AT) == bundle.version
        assert deploy(session, bundle, AT) == bundle.version
    with Session(db_engine) as session:
        stored = session.get(ModelVersion, bundle.version)
        assert stored.files == dict(bundle.files)
        count = session.scalar(
            select(func.count())
            .select_from(ModelVersion)
            .where(ModelVersion.version == bundle.version)
        )
        assert count == 1
