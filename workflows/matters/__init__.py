"""One module per matter type, and the shape each of them fills in.

Every module in this package is one matter type, named by its code (the model is
``bpmn/matter_<code>.bpmn``), and defines ``MATTER``, a :class:`MatterType`: the
catalogue entry, the filing form, the matter's own steps with their forms, lanes and time
limits, the vote rule the DMN table must give, and the demo data. ``workflows.catalogue``
finds the modules and builds every registry from them, so a new matter type is its model
and its module. What all matters share stays outside: the request form every filing
extends and the form parts (``workflows.formkit``), the steps of prior approval and
oversight and the owners' vote (``workflows.lifecycle``, ``workflows.forms``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workflows.formkit.base import FormSchema
from workflows.formkit.request import FilingForm
from workflows.i18n import _
from workflows.lifecycle import OWNERS_VOTE, SHARED_STEP_NAMES, SHARED_TIME_LIMITS, TimeLimit
from workflows.vote_items import VOTE_ITEMS, rule_of

APPLICANT = "applicant"
PARTY_SECRETARY = "party_secretary"

# The district's plan every matter's legal basis ends with.
DISTRICT_PLAN = _("区“红色物业”实施方案（重要事项事前决策机制）")

# Demo data: field → value, where a value may be relative to the moment the demo runs
# (``workflows.demo_values``).
Payload = Mapping[str, Any]


@dataclass(frozen=True)
class MatterStep:
    """One user task of a matter's model: its task id, name, form, lane and time limit.

    ``form`` is None only for the owners' vote, whose form every matter shares.
    ``before_approval`` marks a step the model runs before prior approval (an emergency
    is acknowledged first, approved after).
    """

    id: str
    name: str
    form: type[FormSchema] | None
    role: str = APPLICANT
    time_limit: TimeLimit | None = None
    before_approval: bool = False


OWNERS_VOTE_STEP = MatterStep(
    OWNERS_VOTE, SHARED_STEP_NAMES[OWNERS_VOTE], None, time_limit=SHARED_TIME_LIMITS[OWNERS_VOTE]
)
"""业主共同决定 (民法典 278): the form is shared, the rule comes from ``bpmn/vote_rule.dmn``."""


@dataclass(frozen=True)
class Variant:
    """One way a demo case of the matter runs: a sub-type, or who ends a firm's contract.

    ``filing`` is added to the matter's demo filing; ``applicant`` (username, estate)
    replaces the matter's demo applicant; ``owners_vote`` is False when this way skips
    the vote the matter's model holds.
    """

    key: str
    filing: Payload = field(default_factory=dict)
    applicant: tuple[str, str] | None = None
    owners_vote: bool = True


@dataclass(frozen=True)
class Demo:
    """Valid data for the demo district (``service/demo``): who files, the filing, each step.

    ``steps`` holds the data of the matter's own steps (the shared steps' data is the
    demo driver's); the first of ``variants`` is the one used when none is named.
    """

    applicant: tuple[str, str]
    filing: Payload
    steps: Mapping[str, Payload]
    variants: tuple[Variant, ...] = ()


@dataclass(frozen=True)
class FundUse:
    """How a matter draws on the estate's maintenance fund (``service.estates.fund``): the
    request field whose amount an open case reserves, and the step recording the transfer
    with the fields of its amount and its day."""

    reserved: str
    step: str
    amount: str
    day: str


@dataclass(frozen=True)
class MatterType:
    """One kind of major matter: how it is filed, which model runs it and on what basis.

    ``item`` is the matter's letter in the district plan's table (domain.md §5: A, B,
    C1 …) and orders the catalogue. ``vote_rules`` says, per sub-type ("" for a matter
    without any), which item of 民法典 278 and which rule the DMN table gives; the table
    is what cases run, and the tests hold it to these. ``routed_by`` names request fields
    the model's gateways read besides the sub-type; like the sub-type they are fixed
    once filed. ``vote_counts_scope``: the owners' vote counts only the owners the
    request names (the cost-sharing scope of 165号令 art 22), not the whole estate.
    ``exclusive_by``: None for a matter an estate may have open several times; else the
    matter is open at most once per estate and the values of these request fields
    (``()``: once per estate), since two open cases of it would decide the same thing
    twice (README, "One open case per exclusive matter"). ``fund_use``: how the matter
    draws on the estate's maintenance fund, None when it does not.
    """

    code: str
    item: str
    name: str
    applicant_kinds: tuple[str, ...]
    legal_basis: str
    filing_form: type[FilingForm]
    matter_steps: tuple[MatterStep, ...]
    vote_rules: Mapping[str, tuple[str, str]]
    demo: Demo
    sub_types: dict[str, str] = field(default_factory=dict)
    requires_members_assembly: bool = False
    vote_counts_scope: bool = False
    routed_by: tuple[str, ...] = ()
    exclusive_by: tuple[str, ...] | None = None
    fund_use: FundUse | None = None

    def __post_init__(self) -> None:
        """Refuse an entry whose parts disagree, when the registry is built."""
        problems = []
        if self.code != self.filing_form.MATTER:
            problems.append(f"filing form {self.filing_form.__name__} is for another matter")
        if set(self.vote_rules) != (set(self.sub_types) or {""}):
            problems.append("vote_rules needs one row per sub-type, or one row '' without any")
        for item, rule in self.vote_rules.values():
            if (item and item not in VOTE_ITEMS) or rule != rule_of(item):
                problems.append(f"民法典 278 item {item!r} does not take the rule {rule!r}")
        voting = any(rule != "none" for _, rule in self.vote_rules.values())
        if voting != self.has_owners_vote:
            problems.append("the vote rules and the owners' vote step disagree")
        ids = [step.id for step in self.matter_steps]
        if len(ids) != len(set(ids)):
            problems.append("a step appears twice")
        if any(step.form is None and step != OWNERS_VOTE_STEP for step in self.matter_steps):
            problems.append("only the owners' vote may go without a form")
        unknown = set(self.demo.steps) - {s.id for s in self.matter_steps if s.form}
        if unknown:
            problems.append(f"demo data for steps it does not have: {sorted(unknown)}")
        if self.fund_use is not None:
            problems += self._fund_use_problems(self.fund_use)
        if problems:
            raise ValueError(f"matter {self.code}: " + "; ".join(problems))

    def _fund_use_problems(self, use: FundUse) -> list[str]:
        forms = {step.id: step.form for step in self.matter_steps if step.form}
        problems = []
        if use.reserved not in self.filing_form().fields:
            problems.append(f"fund_use reserves {use.reserved!r}, which the filing lacks")
        step_fields = forms[use.step]().fields if use.step in forms else {}
        if not {use.amount, use.day} <= set(step_fields):
            problems.append(f"fund_use step {use.step!r} lacks {use.amount!r} or {use.day!r}")
        return problems

    def exclusive_key(self, estate_id: int, request: Mapping[str, Any]) -> str | None:
        """What an open case of an exclusive matter holds while it is open (unique among
        open cases), or None when the matter is not exclusive. Values are compared
        without their blanks, so “安居物业 有限公司” and “安居物业有限公司” are one firm."""
        if self.exclusive_by is None:
            return None
        parts = [self.code, str(estate_id)]
        parts += ["".join(str(request.get(name) or "").split()) for name in self.exclusive_by]
        return ":".join(parts)

    @property
    def process_id(self) -> str:
        return f"matter_{self.code}"

    @property
    def model_file(self) -> str:
        return f"bpmn/matter_{self.code}.bpmn"

    @property
    def steps(self) -> tuple[str, ...]:
        """The task ids of the matter's own steps, in the order its model runs them."""
        return tuple(step.id for step in self.matter_steps)

    @property
    def has_owners_vote(self) -> bool:
        """Whether the model contains an owners' vote at all (the rule is the DMN's)."""
        return OWNERS_VOTE_STEP in self.matter_steps

    @property
    def before_approval(self) -> tuple[str, ...]:
        """Own steps a case meets before prior approval."""
        return tuple(step.id for step in self.matter_steps if step.before_approval)

    @property
    def after_approval(self) -> tuple[str, ...]:
        """Own steps a case meets between the written reply and oversight."""
        return tuple(step.id for step in self.matter_steps if not step.before_approval)
