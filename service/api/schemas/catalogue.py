"""The matter catalogue: matter types and the forms of the filing and of every step."""

from __future__ import annotations

from marshmallow import Schema, fields


class ChoiceSchema(Schema):
    value = fields.String(required=True)
    label = fields.String(required=True)


class FormFieldSchema(Schema):
    """One field of a form, as ``workflows.forms.describe_form`` describes it."""

    name = fields.String(required=True)
    type = fields.String(required=True)
    label = fields.String(required=True)
    help = fields.String(required=True)
    required = fields.Boolean(required=True)
    choices = fields.List(fields.Nested(ChoiceSchema), allow_none=True)
    max_length = fields.Integer()
    min = fields.Integer(allow_none=True)
    max = fields.Integer(allow_none=True)
    not_after_today = fields.Boolean()
    not_after_now = fields.Boolean()
    min_items = fields.Integer()
    item = fields.Nested(lambda: FormFieldSchema())
    subfields = fields.List(
        fields.Nested(lambda: FormFieldSchema()), attribute="fields", data_key="fields"
    )


class StepFormSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    form = fields.List(fields.Nested(FormFieldSchema), required=True)


class MatterSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    process_id = fields.String(required=True)
    sub_types = fields.List(fields.Nested(ChoiceSchema), required=True)
    applicant_kinds = fields.List(fields.Nested(ChoiceSchema), required=True)
    legal_basis = fields.String(required=True)
    has_owners_vote = fields.Boolean(required=True)
    requires_members_assembly = fields.Boolean(required=True)
    steps = fields.List(fields.String(), required=True)


class MatterDetailSchema(MatterSchema):
    filing_form = fields.List(fields.Nested(FormFieldSchema), required=True)
    step_forms = fields.List(fields.Nested(StepFormSchema), required=True)


class VoteItemMatterSchema(Schema):
    """A matter (and sub-type) whose owners' vote the DMN table puts under the item."""

    code = fields.String(required=True)
    name = fields.String(required=True)
    sub_type = fields.String(required=True)
    sub_type_label = fields.String(required=True)


class VoteItemSchema(Schema):
    """One item of 民法典 278 para. 1 with the threshold para. 2 gives it."""

    item = fields.String(required=True, metadata={"description": "项次：一 至 九"})
    text = fields.String(required=True)
    rule = fields.String(
        required=True,
        metadata={"description": "double_majority（双过半）或 three_quarters（双四分之三）"},
    )
    rule_short = fields.String(required=True)
    participation = fields.String(required=True)
    approval = fields.String(required=True)
    source = fields.String(required=True)
    matters = fields.List(fields.Nested(VoteItemMatterSchema), required=True)
