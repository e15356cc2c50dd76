"""Writes of the performance app: targets and their breakdown, reward tiers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.errors import ApplicationError
from crm.history import record_change_by
from crm.models import User
from crm.spreadsheets import read_xlsx_rows
from performance.models import RewardRule, SalesTarget


def _check_month(month: date) -> None:
    if month.day != 1:
        raise ApplicationError(_("A target month is given by its first day."))


def _check_amount(amount: Decimal) -> None:
    if amount < 0:
        raise ApplicationError(_("A target cannot be negative."))


@transaction.atomic
def set_targets(
    *, month: date, company_amount: Decimal, salesperson_amounts: Mapping[int, Decimal]
) -> list[SalesTarget]:
    """Set the company's total and each listed salesperson's part for ``month``, all or nothing.

    The parts may not add up to the total: the page shows the gap rather than refusing it, since
    a manager often enters the total before the breakdown is agreed. A salesperson left out keeps
    the target they had. Amounts must be non-negative Decimals.
    """
    _check_month(month)
    _check_amount(company_amount)
    for amount in salesperson_amounts.values():
        _check_amount(amount)
    known = set(
        User.objects.filter(id__in=salesperson_amounts.keys(), role=User.Role.SALESPERSON).values_list("id", flat=True)
    )
    unknown = set(salesperson_amounts) - known
    if unknown:
        raise ApplicationError(_("Targets can only be given to salespeople."))

    saved = [_upsert(month=month, scope=SalesTarget.Scope.COMPANY, amount=company_amount)]
    for salesperson_id, amount in sorted(salesperson_amounts.items()):
        saved.append(
            _upsert(month=month, scope=SalesTarget.Scope.SALESPERSON, amount=amount, salesperson_id=salesperson_id)
        )
    return saved


def _upsert(*, month: date, scope: str, amount: Decimal, salesperson_id: int | None = None) -> SalesTarget:
    # select_for_update + save (not update_or_create's bare UPDATE) so that the history records who changed it.
    target = (
        SalesTarget.objects.select_for_update().filter(month=month, scope=scope, salesperson_id=salesperson_id).first()
    )
    if target is None:
        target = SalesTarget(month=month, scope=scope, salesperson_id=salesperson_id)
    if target.pk is None or target.amount != amount:
        target.amount = amount
        target.save()
    return target


COMPANY_ROW = "company"


def import_target_breakdown(*, month: date, file) -> int:
    """Set the month's targets from a workbook in the export's layout, all or nothing.

    Column A is the username (``company`` for the company's total), column D the amount. Every
    bad row is reported at once (row number and reason) and then nothing is saved. Returns how
    many targets were set.
    """
    rows = list(read_xlsx_rows(file))[1:]  # the header row
    known = dict(User.objects.filter(role=User.Role.SALESPERSON).values_list("username", "id"))
    company_amount = None
    amounts: dict[int, Decimal] = {}
    problems = []
    for number, row in enumerate(rows, start=2):
        cells = list(row) + [None] * 4
        username, raw_amount = (str(cells[0] or "").strip(), cells[3])
        if raw_amount in (None, ""):
            continue  # no target for this person (yet)
        try:
            amount = Decimal(str(raw_amount).strip()).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            problems.append(
                _("row %(row)d: the amount “%(value)s” is not a number") % {"row": number, "value": raw_amount}
            )
            continue
        if amount < 0:
            problems.append(_("row %(row)d: a target cannot be negative") % {"row": number})
        elif username == COMPANY_ROW:
            company_amount = amount
        elif username in known:
            amounts[known[username]] = amount
        else:
            problems.append(_("row %(row)d: no salesperson “%(username)s”") % {"row": number, "username": username})
    if company_amount is None:
        problems.append(_("the row “company” with the company's total is missing"))
    if problems:
        raise ApplicationError(_("Nothing was imported: %(problems)s.") % {"problems": "; ".join(problems)})
    assert company_amount is not None, "a missing company row is among the problems above"
    return len(set_targets(month=month, company_amount=company_amount, salesperson_amounts=amounts))


# --- reward tiers ----------------------------------------------------------------------------------------------

ZERO = Decimal("0")


@transaction.atomic
def save_reward_tier(
    *,
    changed_by: User,
    name: str,
    min_attainment_percent: Decimal,
    bonus_rate_percent: Decimal | None = None,
    bonus_amount: Decimal | None = None,
    is_active: bool = True,
    tier_id: int | None = None,
) -> RewardRule:
    """Add a reward tier, or change ``tier_id``: from this attainment on, a bonus rate on the attained amount
    and/or a fixed bonus. A tier pays something: an empty bonus is no part of it, and one of the two must be
    above zero. Two active tiers cannot start at the same attainment. Refused with ``ValidationError`` naming
    the field; else saved and recorded with who."""
    name = name.strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Give the tier a name.")
    if min_attainment_percent < 0:
        errors["min_attainment_percent"] = _("The attainment cannot be negative.")
    rate, amount = bonus_rate_percent or ZERO, bonus_amount or ZERO
    if rate < 0 or amount < 0:
        errors["bonus_rate_percent"] = _("A bonus cannot be negative.")
    elif rate == 0 and amount == 0:
        errors["bonus_rate_percent"] = _("Give a bonus rate, a fixed bonus or both: this tier pays nothing.")
    others = RewardRule.objects.filter(is_active=True, min_attainment_percent=min_attainment_percent)
    if tier_id is not None:
        others = others.exclude(pk=tier_id)
    if is_active and not errors and others.exists():
        errors["min_attainment_percent"] = _("Another active tier starts at %(percent)s%%.") % {
            "percent": min_attainment_percent
        }
    if errors:
        raise ValidationError(errors)
    tier = RewardRule.objects.select_for_update().get(pk=tier_id) if tier_id else RewardRule()
    tier.name, tier.min_attainment_percent = name, min_attainment_percent
    tier.bonus_rate_percent, tier.bonus_amount, tier.is_active = rate, amount, is_active
    tier.full_clean(validate_constraints=False)  # the one constraint that could fail is checked above
    record_change_by(tier, changed_by)
    tier.save()
    return tier
