"""What the engine adapter raises, so that no caller needs to import SpiffWorkflow."""

from __future__ import annotations

from SpiffWorkflow.exceptions import SpiffWorkflowException


class ModelError(Exception):
    """A model bundle cannot be deployed (invalid XML, unknown process, unsupported timer)."""


class TaskNotReady(Exception):
    """The task a caller wants to complete is not open in this case (any more)."""


# The library's own base class of the errors a model raises while it runs (a failing
# expression, a decision table without a matching rule), under the adapter's name.
EngineError: type[Exception] = SpiffWorkflowException
