"""What the fuzz tests send: the mutation kinds an attacker tries on a valid form, the
JSON-ish values Hypothesis draws, the profiles bounding them, and what a refusal must say.

Both the validator test (``test_edge_properties``) and the API test
(``test_api_mutations``) mutate the demo district's valid data with the same kinds, so
a crash found through one is reproduced through the other. ``FUZZ=<examples>`` runs the
Hypothesis tests that many examples each, at random, instead of the bounded, repeatable
budget of the suite.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Iterator, Mapping
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

CJK = re.compile(r"[\u4e00-\u9fff]")
# What no field may hold, said here rather than asked of the code under test.
_UNSTORABLE = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f]")

# A key to remove rather than a value to put.
DROP = object()

# The values an attacker puts in place of a field's valid one, by kind.
MUTATIONS: dict[str, Any] = {
    "dropped": DROP,
    "null": None,
    "lone surrogate": "\ud800",
    "NUL": "a\x00b",
    "huge number text": "1e999",
    "full-width digits": "１２３",
    "huge integer": 10**39,
    "negative": -1,
    "fraction": 1.5,
    "first day": "0001-01-01",
    "last day": "9999-12-31",
    "false as 0": 0,
    "true as 1": 1,
    "yes": "yes",
    "true": True,
    "blank": "   ",
    "list": [],
    "object": {},
}

_FUZZ = int(os.environ.get("FUZZ") or 0)
settings.register_profile(
    "edge",
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "edge-fuzz",
    max_examples=max(_FUZZ, 1),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
# The suite's budget is small and the same on every run; FUZZ asks for a longer random one.
EDGE = settings.get_profile("edge-fuzz" if _FUZZ else "edge")

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from([v for v in MUTATIONS.values() if v is not DROP])
)
JSON_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
MUTATION_VALUES = st.sampled_from(list(MUTATIONS.values())) | JSON_VALUES

KeyPath = tuple[str | int, ...]


def paths(payload: Any, prefix: KeyPath = ()) -> Iterator[KeyPath]:
    """Every key path of a form's data: each field, and each field of each list entry."""
    if isinstance(payload, Mapping):
        for key, value in payload.items():
            yield (*prefix, key)
            yield from paths(value, (*prefix, key))
    elif isinstance(payload, list):
        for index, value in enumerate(payload):
            yield (*prefix, index)
            yield from paths(value, (*prefix, index))


def mutated(payload: Mapping[str, Any], path: KeyPath, value: Any) -> dict[str, Any]:
    """A copy of ``payload`` with the value at ``path`` replaced by ``value`` (or dropped)."""
    result = copy.deepcopy(dict(payload))
    holder: Any = result
    for step in path[:-1]:
        holder = holder[step]
    last = path[-1]
    if value is DROP and isinstance(holder, dict):
        holder.pop(last, None)
    elif value is DROP:
        del holder[last]
    else:
        holder[last] = copy.deepcopy(value)
    return result


def unstorable(value: Any) -> bool:
    """Whether any string in ``value`` (keys too) holds a lone surrogate or a control
    character: refused at the edge whatever the field."""
    if isinstance(value, str):
        return bool(_UNSTORABLE.search(value))
    if isinstance(value, Mapping):
        return any(unstorable(k) or unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(unstorable(v) for v in value)
    return False


def dotted(path: KeyPath) -> str:
    """A path as the service names a field ("attachments.0.sha256")."""
    return ".".join(str(step) for step in path)


def names_a_field(messages: Mapping[str, list[str]], names: set[str]) -> None:
    """Assert a refusal names fields the form has or the input sent, each in Chinese."""
    assert messages, "a refusal must say what to fix"
    for path, texts in messages.items():
        assert path == "_schema" or any(
            path == name or path.startswith(f"{name}.") for name in names
        ), (path, names)
        assert texts and all(isinstance(t, str) and CJK.search(t) for t in texts), (path, texts)
