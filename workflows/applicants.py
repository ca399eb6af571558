"""Who files matters: the kinds of body that ask the party organization for consent.

Every matter module names the kinds it accepts; the firm credit record and the periodic
duties use the same codes for the bodies that report.
"""

from __future__ import annotations

from workflows.i18n import _

OWNERS_COMMITTEE = "owners_committee"
MANAGEMENT_COMMITTEE = "management_committee"
PREPARATORY_GROUP = "preparatory_group"
PROPERTY_FIRM = "property_firm"

APPLICANT_KINDS: dict[str, str] = {
    OWNERS_COMMITTEE: _("业主委员会"),
    MANAGEMENT_COMMITTEE: _("物业管理委员会"),
    PREPARATORY_GROUP: _("业主大会筹备组"),
    PROPERTY_FIRM: _("物业服务企业"),
}

COMMITTEES = (OWNERS_COMMITTEE, MANAGEMENT_COMMITTEE)
COMMITTEES_AND_FIRM = (OWNERS_COMMITTEE, MANAGEMENT_COMMITTEE, PROPERTY_FIRM)

# A firm's standing on the red/black list (物业服务企业红黑榜), asked when a firm is chosen
# and kept in its credit record.
FIRM_STANDINGS: dict[str, str] = {"red": _("红榜"), "none": _("未上榜"), "black": _("黑榜")}
