"""Histories recorded by an earlier release still load, replay and verify under this one.

Every other test records and replays its cases with the same code, so a change to the
engine adapter that alters both the live run and its replay alike would pass them all
while every history already in a production database failed verification. The files in
``tests/recorded`` were written by ``record_histories.py`` at the commit each names; this
code must reproduce each entry's recorded state digest, and read and write back each
stored engine state unchanged.
"""

from __future__ import annotations

import copy
import gzip
import json
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from service.history.chain import GENESIS, event_hash
from service.history.replay import verify_history
from workflows.engine.bundle import ModelBundle
from workflows.engine.case_engine import CaseEngine
from workflows.engine.parsed_models import parsed
from workflows.engine.script_engine import CaseScriptEngine

RECORDED = sorted((Path(__file__).parent / "recorded").glob("*.json.gz"))


def _load(path: Path) -> dict[str, Any]:
    with gzip.open(path, "rt", encoding="utf-8") as source:
        return json.load(source)


def _events(case: dict[str, Any]) -> list[SimpleNamespace]:
    return [
        SimpleNamespace(**{**event, "at": datetime.fromisoformat(event["at"])})
        for event in case["events"]
    ]


def _verify(recorded: dict[str, Any], case: dict[str, Any]):
    models = parsed(ModelBundle(files=recorded["models"][case["model_version"]]))
    return verify_history(
        case["case_id"], case["state_digest"], _events(case), case["state"], models
    )


def test_recordings_are_present() -> None:
    assert RECORDED, "tests/recorded holds no recorded histories"


@pytest.mark.parametrize("path", RECORDED, ids=lambda p: p.name.removesuffix(".json.gz"))
def test_every_recorded_history_verifies(path: Path) -> None:
    recorded = _load(path)
    kinds = {event["kind"] for case in recorded["cases"] for event in case["events"]}
    assert {"case_filed", "task_completed", "timers_fired"} <= kinds
    failures = [
        verification.as_dict()
        for case in recorded["cases"]
        if not (verification := _verify(recorded, case)).ok
    ]
    assert failures == []


@pytest.mark.parametrize("path", RECORDED, ids=lambda p: p.name.removesuffix(".json.gz"))
def test_every_recorded_state_is_read_and_written_back_unchanged(path: Path) -> None:
    recorded = _load(path)
    for case in recorded["cases"]:
        engine = CaseEngine(parsed(ModelBundle(files=recorded["models"][case["model_version"]])))
        process_id = case["events"][0]["data"]["process_id"]
        script = CaseScriptEngine(now=lambda: datetime.now(), functions={})
        workflow = engine.load(case["state"], script, process_id)
        assert json.loads(engine.dump(workflow)) == json.loads(case["state"]), case["case_id"]
        assert engine.digest(workflow) == case["state_digest"], case["case_id"]


@pytest.mark.parametrize("path", RECORDED, ids=lambda p: p.name.removesuffix(".json.gz"))
def test_a_changed_decision_in_a_recording_is_named(path: Path) -> None:
    """The check above is not vacuous: with one answer changed and the chain's hashes
    recomputed over the change, replay no longer reaches the recorded digest there."""
    recorded = _load(path)
    case = next(
        c
        for c in recorded["cases"]
        if any(e["data"].get("data", {}).get("acceptance_decision") for e in c["events"])
    )
    forged = copy.deepcopy(case)
    event = next(
        e for e in forged["events"] if e["data"].get("data", {}).get("acceptance_decision")
    )
    event["data"]["data"]["acceptance_decision"] = "reject"
    _rechain(forged)
    result = _verify(recorded, forged)
    assert result.chain.intact and not result.replay_ok
    assert result.first_bad_seq == event["seq"]


def _rechain(case: dict[str, Any]) -> None:
    prev_hash = GENESIS
    for event in case["events"]:
        event["prev_hash"] = prev_hash
        event["hash"] = prev_hash = event_hash(
            prev_hash,
            case["case_id"],
            event["seq"],
            event["kind"],
            event["actor_id"],
            datetime.fromisoformat(event["at"]),
            event["task_bpmn_id"],
            event["data"],
        )


@pytest.mark.parametrize("path", RECORDED, ids=lambda p: p.name.removesuffix(".json.gz"))
def test_a_compaction_version_this_release_does_not_know_is_named(path: Path) -> None:
    """A history filed by a later release (compaction version 2, say) verifies as broken
    at its filing, with the version named, rather than crashing the verification."""
    recorded = _load(path)
    case = copy.deepcopy(recorded["cases"][0])
    filing = next(e for e in case["events"] if e["kind"] == "case_filed")
    assert filing["data"].pop("compact") is True, "recorded before versions existed"
    filing["data"]["compaction"] = 2
    _rechain(case)
    result = _verify(recorded, case)
    assert result.chain.intact and not result.replay_ok
    assert result.first_bad_seq == filing["seq"]
    assert "compaction version 2 is unknown to this release" in result.reason
