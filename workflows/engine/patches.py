"""The engine's three replacements inside SpiffWorkflow, applied by one explicit call.

Importing this module, or any other, changes nothing in the library. ``install()`` does,
once per process; the app factory, the CLI, the worker, the tests, the benchmarks and the
history recorder call it at start-up. It replaces:

- ``Task._set_state``, so a state change builds no log record nobody reads;
- ``Task._inherit_data``, so the two common cases of a task taking its parent's data skip
  the library's key-by-key merge;
- the id function of ``SpiffWorkflow.task`` (its ``uuid4``), so task ids are text.

All three reach into the library's internals, so ``install()`` refuses any release but the
one they were written and tested against. The engine refuses to run without them
(``require_installed``): the text ids are part of the saved state's format, and the
speed figures in the README assume the other two.
"""

from __future__ import annotations

import logging
import os
import time
from copy import copy
from importlib.metadata import version

from SpiffWorkflow import task as spiff_task_module
from SpiffWorkflow.task import Task

TESTED_VERSION = "3.2.0"

# Loggers whose INFO records the library builds whether or not anything is listening;
# the service records steps itself (the case history).
QUIET_LOGGERS = ("spiff.task", "spiff.workflow", "spiff.dmn", "spiff.data")

_TASK_LOG = logging.getLogger("spiff.task")
_library_set_state = Task._set_state
_library_inherit_data = Task._inherit_data
_SHALLOW_COPIED = (dict, list, set)
_installed = False


class UnsupportedSpiffWorkflow(RuntimeError):
    """The installed SpiffWorkflow is not the release the patches were tested against."""


class EngineNotInstalled(RuntimeError):
    """The engine was used before ``install()`` patched the library."""


def installed_version() -> str:
    """The SpiffWorkflow release in this environment, from its package metadata."""
    return version("SpiffWorkflow")


def install() -> None:
    """Patch SpiffWorkflow for the engine; a second call does nothing.

    Raises ``UnsupportedSpiffWorkflow`` on any release but ``TESTED_VERSION``.
    """
    global _installed
    if _installed:
        return
    found = installed_version()
    if found != TESTED_VERSION:
        raise UnsupportedSpiffWorkflow(
            f"the engine's patches to SpiffWorkflow are written and tested for release "
            f"{TESTED_VERSION}, but {found} is installed: install SpiffWorkflow=={TESTED_VERSION} "
            f"or check workflows/engine/patches.py against {found}"
        )
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    Task._set_state = set_state
    Task._inherit_data = inherit_data
    spiff_task_module.uuid4 = new_task_id
    _installed = True


def installed() -> bool:
    return _installed


def require_installed() -> None:
    """Fail clearly, not subtly later, when start-up code forgot ``install()``."""
    if not _installed:
        raise EngineNotInstalled(
            "SpiffWorkflow is not patched for the engine: call "
            "workflows.engine.patches.install() at start-up, before the first case is run"
        )


def set_state(self: Task, value: int) -> None:
    """``Task._set_state`` without building a log record nobody will read.

    The library formats the state's name twice and collects a dictionary of log fields on
    every state change (a task changes state four or five times per run) before handing
    them to a logger that, at WARNING, drops them: a sixth of a replay's time. When its
    INFO records are wanted, the library's own method runs.
    """
    if _TASK_LOG.isEnabledFor(logging.INFO):
        _library_set_state(self, value)
    elif value != self._state:
        self.last_state_change = time.time()
        self._state = value


def inherit_data(self: Task) -> None:
    """``Task._inherit_data`` with the two common cases done without the key-by-key merge.

    A task inherits its parent's data when it becomes ready. Four times in five its own
    data is still empty and the library's ``DeepMerge.merge`` then copies each value
    (containers shallowly); otherwise its data nearly always already equals the parent's
    and the merge changes nothing. The merge walked every key in Python: a tenth of a
    replay. Any other case goes to the library's merge.
    """
    data = self.data
    parent_data = self.parent.data
    if not data:
        data.update(
            {k: copy(v) if isinstance(v, _SHALLOW_COPIED) else v for k, v in parent_data.items()}
        )
    elif data != parent_data:
        _library_inherit_data(self)


# Task ids are kept as their text, not as ``UUID`` objects. The library hashes ids on
# every task lookup (thousands per replayed case) and ``UUID.__hash__`` is Python code,
# three times the cost of a ``str`` key whose hash is computed once; the text is also
# what a saved state holds, so loading and saving convert nothing. New ids are random
# version-4 UUIDs in their canonical form, made without building a ``UUID`` first.
_UUID_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def new_task_id() -> str:
    """A random version-4 UUID as text: the id of a task SpiffWorkflow creates."""
    h = os.urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_UUID_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"
