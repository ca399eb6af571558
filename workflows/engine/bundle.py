"""A deployed set of model files: every BPMN and DMN file, identified by content hash."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

MODELS_DIR = Path(
    os.environ.get("MODELS_DIR", Path(__file__).resolve().parent.parent.parent / "bpmn")
)


@dataclass(frozen=True)
class ModelBundle:
    """One deployed version of every BPMN and DMN file; cases keep the one they began on."""

    files: Mapping[str, str]

    @cached_property
    def version(self) -> str:
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(name.encode())
            digest.update(b"\0")
            digest.update(self.files[name].encode())
            digest.update(b"\0")
        return digest.hexdigest()

    @classmethod
    def from_directory(cls, directory: Path = MODELS_DIR) -> ModelBundle:
        """The bundle the directory holds now.

        Every filing starts on the current models, so this is asked once per filing; the
        files are read again only when a name, inode, size or modification time has changed.
        """
        paths = [p for p in sorted(directory.iterdir()) if p.suffix in (".bpmn", ".dmn")]
        stats = [(p.name, p.stat()) for p in paths]
        key = (str(directory), tuple((n, s.st_ino, s.st_size, s.st_mtime_ns) for n, s in stats))
        bundle = _read_bundles.get(key)
        if bundle is None:
            bundle = cls(files={p.name: p.read_text(encoding="utf-8") for p in paths})
            _read_bundles.clear()
            _read_bundles[key] = bundle
        return bundle


_FileStamps = tuple[tuple[str, int, int, int], ...]
_read_bundles: dict[tuple[str, _FileStamps], ModelBundle] = {}
