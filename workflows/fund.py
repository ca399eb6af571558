"""The estate's maintenance fund (专项维修资金) in exact arithmetic, and the form of an
account statement (issue 27; 165号令 arts 22–24).

The balance is the latest account statement's, less the transfers cases recorded after
its date; open fund-use cases reserve their budgets from it; what is left is available to
a new filing. Amounts are Decimals in yuan, exact to the fen.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from workflows.formkit.base import FormSchema
from workflows.formkit.fields import CENT, Day, Money, Text
from workflows.i18n import _


class FundStatementForm(FormSchema):
    """One statement of the estate's fund account, as the bank or the housing authority
    issued it: the balance on its date and the reference it is filed under."""

    balance = Money(_("对账单余额（元）"))
    statement_date = Day(_("对账单日期"), past=True, follows_case=False)
    reference = Text(_("对账单编号"), max_length=100, help_text=_("如银行流水号或对账单编号"))


@dataclass(frozen=True)
class FundPosition:
    """Where the fund stands: ``statement`` is None while no statement is recorded."""

    statement: Decimal | None
    spent: Decimal
    reserved: Decimal

    @property
    def balance(self) -> Decimal | None:
        """The statement's balance less the transfers recorded after its date."""
        return None if self.statement is None else (self.statement - self.spent).quantize(CENT)

    @property
    def available(self) -> Decimal | None:
        """What a new filing may reserve: the balance less what open cases reserve."""
        balance = self.balance
        return None if balance is None else (balance - self.reserved).quantize(CENT)


def over_available(
    position: FundPosition, amount: Decimal, label: str, own: Decimal = Decimal(0)
) -> str | None:
    """Why ``amount`` (labelled ``label``) cannot be drawn, or None when it can. ``own`` is
    what the case itself already reserves (a 补正 or its transfer replaces it)."""
    if position.available is None:
        return _("本小区尚未登记维修资金余额，请由管理员或街道按账户对账单登记后再提出。")
    room = position.available + own
    if amount <= room:
        return None
    return _(
        "“{label}”{amount} 元超过本小区维修资金可用余额 {room} 元"
        "（余额 {balance} 元，办理中的案件已占用 {reserved} 元）。"
    ).format(
        label=label,
        amount=amount.quantize(CENT),
        room=room.quantize(CENT),
        balance=position.balance,
        reserved=(position.reserved - own).quantize(CENT),
    )
