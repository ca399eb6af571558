"""The unified social credit code (统一社会信用代码) of GB 32100-2015.

Eighteen characters from a 31-character set (digits and capitals without I, O, Z, S, V):
the registration department (1), the kind of body it registers (2), the administrative
division of the registering office (3-8), the organization code of GB 11714-1997 with its
own check character (9-17), and a check character over the first seventeen (18). A code
that fails any part was mistyped, so the firm register refuses it.
"""

from __future__ import annotations

from workflows.i18n import _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
LENGTH = 18
# GB 32100-2015 table 1 and 2: each registration department and the kinds it registers.
DEPARTMENT_KINDS = {
    "1": "1239",  # 机构编制
    "2": "19",  # 外交
    "3": "123459",  # 司法行政
    "4": "19",  # 文化
    "5": "1239",  # 民政
    "6": "129",  # 旅游
    "7": "129",  # 宗教
    "8": "19",  # 工会
    "9": "123",  # 工商（市场监管）
    "A": "19",  # 中央军委改革和编制办公室
    "N": "1239",  # 农业
    "Y": "1",  # 其他
}
_ORGANIZATION_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714-1997


def check_character(first17: str) -> str:
    """GB 32100-2015 §4.2: weights 3^(i-1) mod 31, check = 31 - (sum mod 31), 31 read as 0."""
    total = sum(ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return ALPHABET[(31 - total % 31) % 31]


def organization_check_character(body: str) -> str:
    """GB 11714-1997: weights 3 7 9 10 5 8 4 2 mod 11; 10 is written X and 11 is 0."""
    total = sum(int(c, 36) * w for c, w in zip(body, _ORGANIZATION_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def credit_code_problem(code: str) -> str | None:
    """Why ``code`` is not a unified social credit code, in the user's words; None if it is."""
    if len(code) != LENGTH or any(c not in ALPHABET for c in code):
        return _("统一社会信用代码应为 18 位，由数字和除 I、O、Z、S、V 以外的大写字母组成。")
    if code[1] not in DEPARTMENT_KINDS.get(code[0], ""):
        return _("统一社会信用代码前两位（登记管理部门代码和机构类别代码）不符合 GB 32100-2015。")
    if not code[2:8].isdigit():
        return _("统一社会信用代码第 3 至 8 位应为登记管理机关行政区划码（6 位数字）。")
    if code[16] != organization_check_character(code[8:16]):
        return _("统一社会信用代码第 9 至 17 位的组织机构代码校验位不正确，请核对。")
    if code[17] != check_character(code[:17]):
        return _("统一社会信用代码的校验码（第 18 位）不正确，请核对。")
    return None
