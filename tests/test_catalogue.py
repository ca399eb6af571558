"""The registry is built from the matter modules, and refuses modules whose parts disagree.

Adding a matter type is its model and its module (workflows/matters/<code>.py): these
tests drop a module beside the real ones and check that the catalogue finds it, and that
an incomplete or inconsistent one stops the service at import instead of misbehaving.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import workflows.matters as matter_modules
from workflows import catalogue, deadlines, forms
from workflows.matters import MatterStep, MatterType
from workflows.matters.firm_entry import MATTER as FIRM_ENTRY

MODELS = Path(__file__).resolve().parent.parent / "bpmn"

NEW_MATTER = """
from workflows.applicants import COMMITTEES_AND_FIRM
from workflows.demo_values import days
from workflows.formkit.base import FormSchema
from workflows.formkit.fields import Day
from workflows.formkit.request import FilingForm, applicant_choice
from workflows.lifecycle import TimeLimit
from workflows.matters import OWNERS_VOTE_STEP, Demo, MatterStep, MatterType


class LiftRenewalFiling(FilingForm):
    MATTER = "lift_renewal"
    applicant_kind = applicant_choice(COMMITTEES_AND_FIRM)


class RenewalDoneForm(FormSchema):
    finished_on = Day("完成日期", past=True)


MATTER = MatterType(
    code="lift_renewal",
    item="D4",
    name="电梯更新",
    applicant_kinds=COMMITTEES_AND_FIRM,
    legal_basis="民法典第二百七十八条",
    filing_form=LiftRenewalFiling,
    matter_steps=(
        OWNERS_VOTE_STEP,
        MatterStep(
            "renewal_done",
            "更新完成",
            RenewalDoneForm,
            time_limit=TimeLimit("oversight_working_days", "working_days"),
        ),
    ),
    vote_rules={"": ("五", "double_majority")},
    demo=Demo(("committee", "E01"), {}, {"renewal_done": {"finished_on": days(0)}}),
)
"""


@pytest.fixture
def extra_module(tmp_path: Path) -> Iterator[Path]:
    """A folder on the matter package's path, for a module the test writes there."""
    matter_modules.__path__.append(str(tmp_path))
    yield tmp_path
    matter_modules.__path__.remove(str(tmp_path))
    for name in [n for n in sys.modules if n.startswith("workflows.matters.lift_renewal")]:
        del sys.modules[name]


def test_every_model_has_its_module_and_the_plan_orders_them() -> None:
    models = {p.stem.removeprefix("matter_") for p in MODELS.glob("matter_*.bpmn")}
    assert set(catalogue.MATTERS) == models
    assert [m.item for m in catalogue.MATTERS.values()] == sorted(
        m.item for m in catalogue.MATTERS.values()
    )
    for code, entry in catalogue.MATTERS.items():
        assert sys.modules[f"workflows.matters.{code}"].MATTER is entry
        assert forms.filing_schema(code) is entry.filing_form
        for step in entry.matter_steps:
            assert catalogue.STEP_NAMES[step.id]
            assert forms.step_schema(step.id) is (step.form or forms.STEP_FORMS["owners_vote"])
            if step.time_limit is not None:
                assert deadlines.TIME_LIMITS[step.id] == step.time_limit
                assert forms.step_schema(f"supervise_{step.id}") is forms.SupervisionForm


def test_a_new_module_is_found_and_placed_by_its_plan_item(extra_module: Path) -> None:
    (extra_module / "lift_renewal.py").write_text(NEW_MATTER, encoding="utf-8")
    found = catalogue._discover()
    codes = [m.code for m in found]
    assert codes.index("lift_renewal") == codes.index("fund_replenishment") + 1
    (new,) = [m for m in found if m.code == "lift_renewal"]
    assert new.process_id == "matter_lift_renewal" and new.has_owners_vote
    assert new.steps == ("owners_vote", "renewal_done")


def test_a_module_without_its_matter_is_refused(extra_module: Path) -> None:
    (extra_module / "lift_renewal.py").write_text(
        NEW_MATTER.replace("MATTER = MatterType(", "LIFT_RENEWAL = MatterType("),
        encoding="utf-8",
    )
    with pytest.raises(TypeError, match=r"lift_renewal\.py must define MATTER"):
        catalogue._discover()


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"code": "firm_exit"}, "filing form FirmEntryFiling is for another matter"),
        ({"vote_rules": {}}, "one row per sub-type"),
        ({"vote_rules": {"": ("", "none")}}, "disagree"),
        ({"matter_steps": FIRM_ENTRY.matter_steps[:1] * 2}, "a step appears twice"),
        (
            {"matter_steps": (*FIRM_ENTRY.matter_steps, MatterStep("unformed", "无表单", None))},
            "only the owners' vote may go without a form",
        ),
        (
            {"matter_steps": FIRM_ENTRY.matter_steps[1:]},
            "demo data for steps it does not have: ['firm_selection']",
        ),
    ],
)
def test_an_entry_whose_parts_disagree_is_refused(changes: dict, problem: str) -> None:
    with pytest.raises(ValueError, match="matter ") as raised:
        dataclasses.replace(FIRM_ENTRY, **changes)
    assert problem in str(raised.value)


def test_two_matters_may_not_share_a_step_id(monkeypatch: pytest.MonkeyPatch) -> None:
    twin: MatterType = dataclasses.replace(FIRM_ENTRY, item="C9")
    monkeypatch.setattr(catalogue, "MATTERS", {"firm_entry": FIRM_ENTRY, "twin": twin})
    with pytest.raises(ValueError, match="'firm_selection' of firm_entry is already"):
        catalogue._own_steps()
