"""Writes of deals and the customer ledger (业务达成 · 往来台帐).

Every posting locks the customer row first (``accounts.customers.locks.lock_customer``), so two people entering
payments for one customer at the same moment queue up and each sees the other's entry. Ledger entries
are only ever appended; a correction is a reversing entry. Services raise ``ValidationError`` for bad
input and ``ApplicationError`` subclasses for broken rules; nothing is stored when they do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from accounts.customers.locks import lock_customer
from accounts.customers.models import Customer
from accounts.deals.models import (
    ZERO,
    Deal,
    Instalment,
    LedgerEntry,
    PriceAgreement,
    Product,
    RenewalReminder,
    ShowcasePhoto,
)
from crm.approvals.services import default_approver, request_approval
from crm.dates import local_today
from crm.errors import ApplicationError, Conflict
from crm.history import record_change_by
from crm.models import Approval, User
from crm.services import Message, Note, notify_many
from territories.models import Territory
from territories.selectors import current_owner
from territories.services import WorkPreview

logger = logging.getLogger(__name__)

Kind = LedgerEntry.Kind
CENT = Decimal("0.01")
# Instalment reminders are looked for this far ahead; ``remind_days_before`` is capped to it by the form.
MAX_INSTALMENT_REMINDER_DAYS = 31


class NoSalespersonToCredit(ApplicationError):
    default_message = _("Nobody owns this customer's territory and the customer has no holder: choose who is credited.")


class PriceDiffers(ApplicationError):
    default_message = _("The amount differs from the price agreed with this customer. Check it, then confirm.")


class PriceNeedsApproval(ApplicationError):
    default_message = _("A price below the customer's agreed price waits for the manager's approval.")


class Overpayment(ApplicationError):
    default_message = _("The payment is larger than the amount outstanding. Check it, then confirm.")


class NothingToRefund(ApplicationError):
    default_message = _("The refund is larger than what the customer has to get back.")


class CreditTooSmall(ApplicationError):
    default_message = _("The amount is larger than the credit the customer has on this deal.")


class ReturnTooLarge(ApplicationError):
    default_message = _("The return is larger than what is left of the order.")


class AlreadyDelivered(ApplicationError):
    default_message = _("This deal has already been delivered.")


class AlreadyReversed(ApplicationError):
    default_message = _("This entry has already been reversed.")


class NotReversible(ApplicationError):
    default_message = _("A reversing entry cannot itself be reversed; post the right entry again instead.")


class DealCancelled(ApplicationError):
    default_message = _("This deal was cancelled; nothing more can be posted to it.")


class StaleDeal(Conflict):
    default_message = _(
        "Someone else saved this deal after you opened the form. Reload it and make your changes again."
    )


class KeyReused(Conflict):
    default_message = _("This idempotency key was already used for a different entry.")


class OverlappingAgreement(ApplicationError):
    default_message = _("Another agreed price for this product overlaps these dates. End it first.")


def _money(value: Any, *, field: str, allow_zero: bool = False) -> Decimal:
    """A positive amount in CNY with at most two decimals, or a ValidationError on ``field``."""
    try:
        amount = Decimal(str(value))
    except (ArithmeticError, ValueError, TypeError):
        raise ValidationError({field: _("Enter an amount in yuan, such as 1200.50.")}) from None
    if not amount.is_finite():
        raise ValidationError({field: _("Enter an amount in yuan, such as 1200.50.")})
    if amount != amount.quantize(CENT):
        raise ValidationError({field: _("Amounts have at most two decimals (fen).")})
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError({field: _("The amount must be greater than zero.")})
    return amount.quantize(CENT)


def _not_before_issue(deal: Deal, day: date, *, field: str) -> None:
    if day < deal.issued_on:
        raise ValidationError(
            {field: _("This date is before the order was issued (%(issued)s).") % {"issued": deal.issued_on}}
        )


def _not_in_future(day: date, *, field: str) -> None:
    if day > local_today():
        raise ValidationError({field: _("This date is in the future.")})


# --- attribution ---------------------------------------------------------------------------------


def _end_of(day: date) -> datetime:
    moment = timezone.make_aware(datetime.combine(day, time.max))
    return min(moment, timezone.now())


def credited_salesperson(*, customer: Customer, issued_on: date, credited_to: User | None = None) -> User:
    """Who a deal is credited to (DESIGN.md §4): ``credited_to`` when given (an inquiry-sourced deal is
    credited to the territory's salesperson by the campaigns app); else whoever owned the customer's
    territory when the order was issued; else the customer's holder."""
    if credited_to is not None:
        return credited_to
    owner = current_owner(territory=customer.territory, at=_end_of(issued_on)) if customer.territory_id else None
    owner = owner or customer.owner
    if owner is None:
        raise NoSalespersonToCredit
    return owner


# --- deal figures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DealFigures:
    ordered: Decimal
    collected: Decimal
    returned: Decimal
    refunded: Decimal
    balance: Decimal

    @property
    def due(self) -> Decimal:
        """What the customer still has to pay for this deal (never negative)."""
        return max(self.balance, ZERO)

    @property
    def credit(self) -> Decimal:
        """What the customer has to get back from this deal: a balance below zero, as a positive amount."""
        return max(-self.balance, ZERO)


def deal_figures(*, deal_id: int) -> DealFigures:
    """The deal's sums from its ledger entries (reversals included), in one query. A credit carried in
    from another deal counts as collected; one carried out to another deal as refunded."""

    def total(kind: str):
        return Coalesce(Sum("effect", filter=Q(kind=kind)), ZERO)

    sums = LedgerEntry.objects.filter(deal_id=deal_id).aggregate(
        ordered=total(Kind.ORDER),
        payments=total(Kind.PAYMENT),
        carried_in=total(Kind.CARRY_IN),
        returns=total(Kind.RETURN),
        refunded=total(Kind.REFUND),
        carried_out=total(Kind.CARRY_OUT),
        balance=Coalesce(Sum("effect"), ZERO),
    )
    # SQLite hands sums back without their scale; money always carries two decimals.
    sums = {key: Decimal(value).quantize(CENT) for key, value in sums.items()}
    return DealFigures(
        ordered=sums["ordered"],
        collected=-sums["payments"] - sums["carried_in"],
        returned=-sums["returns"],
        refunded=sums["refunded"] + sums["carried_out"],
        balance=sums["balance"],
    )


def _refresh_deal(*, deal: Deal, on: date | None = None) -> Deal:
    """Recompute the deal's balance, status and instalments' collected amounts from the ledger (under the
    lock). Every posting ends here; the balance is written without a new version (it is not an edit)."""
    figures = deal_figures(deal_id=deal.pk)
    if deal.balance != figures.balance:
        Deal.objects.filter(pk=deal.pk).update(balance=figures.balance)
        deal.balance = figures.balance
    remaining = max(figures.collected, ZERO)
    for instalment in deal.instalments.order_by("sequence"):
        collected = min(instalment.amount, remaining)
        remaining -= collected
        if instalment.collected != collected:
            instalment.collected = collected
            instalment.save(update_fields=["collected"])
    net = figures.ordered - figures.returned
    if figures.ordered <= 0:
        status = Deal.Status.CANCELLED
    elif net <= 0:
        status = Deal.Status.RETURNED
    elif figures.collected >= net:
        status = Deal.Status.PAID
    elif figures.collected > 0:
        status = Deal.Status.PARTIALLY_PAID
    elif deal.delivered_on:
        status = Deal.Status.DELIVERED
    else:
        status = Deal.Status.ISSUED
    paid_on = deal.paid_on if status == Deal.Status.PAID else None
    if status == Deal.Status.PAID and paid_on is None:
        paid_on = max(on or local_today(), deal.issued_on)
    if (status, paid_on) != (deal.status, deal.paid_on):
        deal.status, deal.paid_on = status, paid_on
        deal.version += 1
        deal.save(update_fields=["status", "paid_on", "version", "updated_at"])
    return deal


def _post(
    *,
    customer_id: int,
    kind: str,
    created_by: User,
    entry_on: date,
    amount: Decimal = ZERO,
    effect: Decimal = ZERO,
    deal: Deal | None = None,
    note: str = "",
    reverses: LedgerEntry | None = None,
    idempotency_key: str | None = None,
    counts_on: date | None = None,
    carried_from: LedgerEntry | None = None,
) -> LedgerEntry:
    entry = LedgerEntry(
        customer_id=customer_id,
        deal=deal,
        kind=kind,
        amount=amount,
        effect=effect,
        entry_on=entry_on,
        counts_on=counts_on or entry_on,
        note=note[:300],
        reverses=reverses,
        carried_from=carried_from,
        idempotency_key=idempotency_key or None,
        created_by=created_by,
    )
    record_change_by(entry, created_by)
    entry.save()
    return entry


def _replayed(*, idempotency_key: str | None, user: User, kind: str, deal_id: int | None = None) -> LedgerEntry | None:
    """The entry an earlier call by ``user`` with the same key created, if any (a retried request gets it
    back). Keys belong to the user who sent them: another user's key is another key. Called once before
    the customer's lock (a cheap answer to a plain retry) and once under it, where a retry that raced
    the first request waits for it and then finds its entry instead of judging the amount again."""
    if not idempotency_key:
        return None
    entry = LedgerEntry.objects.filter(created_by=user, idempotency_key=idempotency_key).first()
    if entry is not None and (entry.kind != kind or (deal_id is not None and entry.deal_id != deal_id)):
        raise KeyReused
    return entry


def _deal_of_order(entry: LedgerEntry) -> Deal:
    # Only create_deal posts an order with an idempotency key, always on the deal it creates (reversals
    # of orders carry no key).
    assert entry.deal is not None, "a keyed order entry always has its deal"
    return entry.deal


def _locked_deal(*, deal_id: int, closed_ok: bool = False) -> Deal:
    """Lock the deal's customer (all postings of one customer queue up), then read the deal fresh.
    A cancelled deal takes no postings but those that give back its credit (``closed_ok``)."""
    customer_id = Deal.objects.values_list("customer_id", flat=True).get(pk=deal_id)
    lock_customer(customer_id=customer_id)
    deal = Deal.objects.select_related("customer").get(pk=deal_id)
    if deal.status == Deal.Status.CANCELLED and not closed_ok:
        raise DealCancelled
    return deal


def _order_counts_on(*, deal: Deal) -> date:
    """The day a return of ``deal`` counts on: that of the order it takes back."""
    counts_on = (
        LedgerEntry.objects.filter(deal=deal, kind=Kind.ORDER, reverses__isnull=True)
        .order_by("id")
        .values_list("counts_on", flat=True)
        .first()
    )
    return counts_on or deal.issued_on


def _money_in_counts_on(*, deal: Deal, up_to: date) -> date:
    """The day money given back from ``deal`` (a refund, a credit carried out) counts on: that of the
    latest money received on it up to ``up_to`` (a payment or a credit carried in, neither reversed),
    else ``up_to`` itself."""
    counts_on = (
        LedgerEntry.objects.filter(
            deal=deal,
            kind__in=[Kind.PAYMENT, Kind.CARRY_IN],
            reverses__isnull=True,
            reversed_by__isnull=True,
            entry_on__lte=up_to,
        )
        .order_by("-entry_on", "-id")
        .values_list("counts_on", flat=True)
        .first()
    )
    return counts_on or up_to


# --- deals ---------------------------------------------------------------------------------------


def agreed_price_for(*, customer_id: int, product_id: int, on: date) -> PriceAgreement | None:
    """The agreement in force for this customer and product on ``on``; None when there is none."""
    return (
        PriceAgreement.objects.filter(customer_id=customer_id, product_id=product_id, valid_from__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .order_by("-valid_from", "-id")
        .first()
    )


def price_warning(*, customer_id: int, product_id: int, on: date, amount: Decimal | None) -> str:
    """A warning when ``amount`` differs from the price agreed with this customer (empty when it agrees)."""
    agreement = agreed_price_for(customer_id=customer_id, product_id=product_id, on=on)
    if agreement is None or agreement.price is None or amount is None or amount == agreement.price:
        return ""
    return gettext("This customer's agreed price for %(product)s is ¥%(price)s; you entered ¥%(amount)s.") % {
        "product": agreement.product,
        "price": agreement.price,
        "amount": amount,
    }


# A deal below the customer's agreed price waits for the manager (crm.approvals); approved, it is recorded.
DEAL_PRICE_APPROVAL = "deal_price"


def price_needs_approval(*, customer_id: int, product_id: int, on: date, amount: Decimal) -> PriceAgreement | None:
    """The agreement whose price ``amount`` goes below: a deal at that amount waits for the manager's approval
    (as a quote's extra discount does, ``accounts.service_tools``). None when it needs none: no agreed price,
    or at or above it. A deal has no list price of its own, so the team's discount limit, which is measured off
    a quote's list premium, cannot apply to a deal entered directly; the agreed price can."""
    agreement = agreed_price_for(customer_id=customer_id, product_id=product_id, on=on)
    if agreement is None or agreement.price is None or amount >= agreement.price:
        return None
    return agreement


def _approves(approval: Approval | None, *, amount: Decimal) -> bool:
    """An approval that lets this amount through: granted, and (a deal's own request) for this very amount."""
    if approval is None or approval.state != Approval.State.APPROVED:
        return False
    return "amount" not in approval.payload or Decimal(approval.payload["amount"]) == amount


def _price_needs_approval_error(*, agreement: PriceAgreement, amount: Decimal, requester: User) -> PriceNeedsApproval:
    approver = default_approver(requester)
    return PriceNeedsApproval(
        _(
            "¥%(amount)s is below this customer's agreed price of ¥%(price)s: a deal at this price waits for the "
            "approval of %(approver)s. Send it for approval, or enter the agreed price."
        )
        % {"amount": amount, "price": agreement.price, "approver": approver or _("an administrator")},
        extra={"agreed_price": str(agreement.price)},
    )


def _instalment_plan(
    *, amount: Decimal, issued_on: date, instalments: Sequence[tuple[Any, date]] | None
) -> list[tuple[Decimal, date]]:
    if not instalments:
        return [(amount, issued_on + timedelta(days=settings.CRM["PAYMENT_TERM_DAYS"]))]
    plan = []
    for number, (value, due_on) in enumerate(instalments, start=1):
        part = _money(value, field="instalments")
        if due_on < issued_on:
            raise ValidationError(
                {"instalments": _("Instalment %(number)s is due before the order was issued.") % {"number": number}}
            )
        plan.append((part, due_on))
    if [due for _, due in plan] != sorted(due for _, due in plan):
        raise ValidationError({"instalments": _("List the instalments in the order they fall due.")})
    total = sum((part for part, _ in plan), ZERO)
    if total != amount:
        raise ValidationError(
            {
                "instalments": _("The instalments add up to ¥%(total)s, not the deal's ¥%(amount)s.")
                % {"total": total, "amount": amount}
            }
        )
    return plan


# Higher apps follow a new deal (campaigns: the customer's open phone inquiry converts to it, whichever page
# the deal was recorded on); they register from their AppConfig.ready, so accounts never imports them.
# Called inside create_deal's transaction, once per new deal (never for a replayed one).
DEAL_FOLLOWERS: dict[str, Callable[..., Any]] = {}


def register_deal_follower(*, name: str, follow: Callable[..., Any]) -> None:
    """The same name twice keeps the first."""
    DEAL_FOLLOWERS.setdefault(name, follow)


@transaction.atomic
def create_deal(
    *,
    created_by: User,
    customer_id: int,
    product: Product,
    number: str,
    amount: Any,
    issued_on: date,
    instalments: Sequence[tuple[Any, date]] | None = None,
    renewal_on: date | None = None,
    next_need: str = "",
    notes: str = "",
    source: str = Deal.Source.DIRECT,
    credited_to: User | None = None,
    confirm_price: bool = False,
    idempotency_key: str | None = None,
    price_approval: Approval | None = None,
) -> Deal:
    """Record an issued order (开单): the deal, its instalment plan and the order's ledger entry.

    The salesperson credited follows ``credited_salesperson``. An amount below the customer's agreed price
    waits for the manager: refused (``PriceNeedsApproval``, naming the approver) unless ``price_approval`` is
    an approval granted for it (a deal's own request, ``request_deal_price_approval``, or its quote's discount);
    the caller asks for one with ``request_deal_price_approval``. An amount above the agreed price is refused
    (``PriceDiffers``) unless ``confirm_price``. Repeating the call with the same ``idempotency_key`` returns the
    first deal. The customer becomes a customer (status) if it was not.
    """
    replay = _replayed(idempotency_key=idempotency_key, user=created_by, kind=Kind.ORDER)
    if replay is not None:
        return _deal_of_order(replay)
    amount = _money(amount, field="amount")
    number = (number or "").strip()
    if not number:
        raise ValidationError({"number": _("Enter the order or policy number.")})
    _not_in_future(issued_on, field="issued_on")
    if renewal_on is not None and renewal_on <= issued_on:
        raise ValidationError({"renewal_on": _("The renewal date must be after the order was issued.")})
    plan = _instalment_plan(amount=amount, issued_on=issued_on, instalments=instalments)
    customer = lock_customer(customer_id=customer_id)
    replay = _replayed(idempotency_key=idempotency_key, user=created_by, kind=Kind.ORDER)
    if replay is not None:
        return _deal_of_order(replay)
    if Deal.objects.filter(product=product, number=number).exists():
        raise ValidationError({"number": _("A deal with this number already exists for this product.")})
    approved = _approves(price_approval, amount=amount)
    below = price_needs_approval(customer_id=customer.pk, product_id=product.pk, on=issued_on, amount=amount)
    if below is not None and not approved:
        raise _price_needs_approval_error(agreement=below, amount=amount, requester=created_by)
    if (
        not confirm_price
        and not approved
        and price_warning(customer_id=customer.pk, product_id=product.pk, on=issued_on, amount=amount)
    ):
        agreement = agreed_price_for(customer_id=customer.pk, product_id=product.pk, on=issued_on)
        # price_warning warns only against an agreed price, read under the same customer lock that every
        # change of an agreement takes (set_price_agreement).
        assert agreement is not None and agreement.price is not None, "a price warning without an agreed price"
        raise PriceDiffers(extra={"agreed_price": str(agreement.price)})
    deal = Deal(
        customer=customer,
        product=product,
        number=number,
        amount=amount,
        balance=amount,  # the order entry posted below
        salesperson=credited_salesperson(customer=customer, issued_on=issued_on, credited_to=credited_to),
        source=source,
        issued_on=issued_on,
        renewal_on=renewal_on,
        next_need=next_need,
        notes=notes,
        created_by=created_by,
    )
    deal.full_clean()
    record_change_by(deal, created_by)
    deal.save()
    reminder_days = settings.CRM["INSTALMENT_REMINDER_DAYS"]
    for sequence, (part, due_on) in enumerate(plan, start=1):
        instalment = Instalment(
            deal=deal, sequence=sequence, amount=part, due_on=due_on, remind_days_before=reminder_days
        )
        record_change_by(instalment, created_by)
        instalment.save()
    _post_keyed(
        customer_id=customer.pk,
        deal=deal,
        kind=Kind.ORDER,
        amount=amount,
        effect=amount,
        entry_on=issued_on,
        note=f"{product} {number}",
        created_by=created_by,
        idempotency_key=idempotency_key,
    )
    if customer.status != Customer.Status.CUSTOMER:
        customer.status = Customer.Status.CUSTOMER
        customer.version += 1
        customer.last_activity_at = timezone.now()
        record_change_by(customer, created_by)
        customer.save()
    for follow in DEAL_FOLLOWERS.values():
        follow(deal=deal)
    return deal


@transaction.atomic
def request_deal_price_approval(
    *,
    created_by: User,
    customer_id: int,
    product: Product,
    number: str,
    amount: Any,
    issued_on: date,
    instalments: Sequence[tuple[Any, date]] | None = None,
    renewal_on: date | None = None,
    next_need: str = "",
    notes: str = "",
) -> Approval:
    """Send a deal below the customer's agreed price to the manager (the caller has checked the customer is
    visible). The deal is checked as ``create_deal`` checks it, and stored in the request; once approved it is
    recorded by ``create_deal`` for the requester (``apply_deal_price_approval``). Refused (ValidationError) when
    the amount needs no approval, or a deal with this number already waits."""
    amount = _money(amount, field="amount")
    number = (number or "").strip()
    if not number:
        raise ValidationError({"number": _("Enter the order or policy number.")})
    _not_in_future(issued_on, field="issued_on")
    if renewal_on is not None and renewal_on <= issued_on:
        raise ValidationError({"renewal_on": _("The renewal date must be after the order was issued.")})
    plan = _instalment_plan(amount=amount, issued_on=issued_on, instalments=instalments)
    customer = lock_customer(customer_id=customer_id)
    if Deal.objects.filter(product=product, number=number).exists():
        raise ValidationError({"number": _("A deal with this number already exists for this product.")})
    agreement = price_needs_approval(customer_id=customer.pk, product_id=product.pk, on=issued_on, amount=amount)
    if agreement is None:
        raise ValidationError({"amount": _("This amount needs no approval: record the deal.")})
    waiting = Approval.objects.filter(
        kind=DEAL_PRICE_APPROVAL, state=Approval.State.PENDING, payload__product_id=product.pk, payload__number=number
    ).exists()
    if waiting:
        raise ValidationError({"number": _("A deal with this number already waits for approval.")})
    return request_approval(
        kind=DEAL_PRICE_APPROVAL,
        requester=created_by,
        summary=gettext("%(customer)s · %(product)s %(number)s · ¥%(amount)s (agreed ¥%(price)s)")
        % {
            "customer": customer.unit_name,
            "product": product,
            "number": number,
            "amount": amount,
            "price": agreement.price,
        },
        payload={
            "customer_id": customer.pk,
            "product_id": product.pk,
            "number": number,
            "amount": str(amount),
            "issued_on": issued_on.isoformat(),
            "instalments": [[str(part), due.isoformat()] for part, due in plan] if instalments else [],
            "renewal_on": renewal_on.isoformat() if renewal_on else None,
            "next_need": next_need,
            "notes": notes,
        },
    )


def deal_waits_message(approval: Approval) -> str:
    """What the requester is told once a deal below the agreed price is sent (the deal page, the inquiry's)."""
    return gettext("Deal %(number)s at ¥%(amount)s waits for the approval of %(approver)s.") % {
        "number": approval.payload["number"],
        "amount": approval.payload["amount"],
        "approver": approval.approver,
    }


def apply_deal_price_approval(approval: Approval) -> None:
    """The approved deal, recorded by ``create_deal`` for its requester. Refused, and the decision with it,
    when it can no longer be recorded (its number taken meanwhile, …): the message says why."""
    payload = approval.payload
    try:
        create_deal(
            created_by=approval.requester,
            customer_id=payload["customer_id"],
            product=Product.objects.get(pk=payload["product_id"]),
            number=payload["number"],
            amount=payload["amount"],
            issued_on=date.fromisoformat(payload["issued_on"]),
            instalments=[(part, date.fromisoformat(due)) for part, due in payload["instalments"]] or None,
            renewal_on=date.fromisoformat(payload["renewal_on"]) if payload["renewal_on"] else None,
            next_need=payload["next_need"],
            notes=payload["notes"],
            price_approval=approval,
        )
    except ValidationError as error:
        raise ApplicationError(" ".join(error.messages)) from error


DEAL_EDITABLE_FIELDS = ("number", "renewal_on", "next_need", "notes")


@transaction.atomic
def update_deal(*, deal_id: int, changed_by: User, version: int, data: Mapping[str, Any]) -> Deal:
    """Edit a deal's number, renewal date, next need and notes; the money goes through the ledger only."""
    deal = _locked_deal(deal_id=deal_id)
    if deal.version != version:
        raise StaleDeal
    for key in DEAL_EDITABLE_FIELDS:
        if key in data:
            setattr(deal, key, data[key])
    if deal.renewal_on is not None and deal.renewal_on <= deal.issued_on:
        raise ValidationError({"renewal_on": _("The renewal date must be after the order was issued.")})
    deal.version += 1
    deal.full_clean()
    record_change_by(deal, changed_by)
    deal.save()
    return deal


@transaction.atomic
def record_delivery(*, deal_id: int, delivered_on: date, recorded_by: User) -> LedgerEntry:
    """Record the delivery (送单) of the policy or goods; no effect on the balance."""
    deal = _locked_deal(deal_id=deal_id)
    if deal.delivered_on is not None:
        raise AlreadyDelivered
    _not_before_issue(deal, delivered_on, field="delivered_on")
    _not_in_future(delivered_on, field="delivered_on")
    deal.delivered_on = delivered_on
    deal.version += 1
    record_change_by(deal, recorded_by)
    deal.save()
    entry = _post(
        customer_id=deal.customer_id, deal=deal, kind=Kind.DELIVERY, entry_on=delivered_on, created_by=recorded_by
    )
    _refresh_deal(deal=deal)
    return entry


@transaction.atomic
def record_payment(
    *,
    deal_id: int,
    amount: Any,
    paid_on: date,
    recorded_by: User,
    note: str = "",
    confirm_overpayment: bool = False,
    idempotency_key: str | None = None,
) -> LedgerEntry:
    """Record a payment collected (回款), whole or one instalment, against a deal.

    Under the customer's row lock the amount is checked against what is outstanding; more than that is
    refused (``Overpayment``, with ``outstanding`` in ``extra``) unless ``confirm_overpayment``.
    The instalments' collected amounts and the deal's status follow. Idempotent per ``idempotency_key``.
    """
    replay = _replayed(idempotency_key=idempotency_key, user=recorded_by, kind=Kind.PAYMENT, deal_id=deal_id)
    if replay is not None:
        return replay
    amount = _money(amount, field="amount")
    deal = _locked_deal(deal_id=deal_id)
    replay = _replayed(idempotency_key=idempotency_key, user=recorded_by, kind=Kind.PAYMENT, deal_id=deal_id)
    if replay is not None:
        return replay
    _not_before_issue(deal, paid_on, field="paid_on")
    _not_in_future(paid_on, field="paid_on")
    outstanding = deal_figures(deal_id=deal.pk).due
    if amount > outstanding and not confirm_overpayment:
        raise Overpayment(
            _("The payment of ¥%(amount)s is larger than the ¥%(outstanding)s outstanding. Check it, then confirm.")
            % {"amount": amount, "outstanding": outstanding},
            extra={"outstanding": str(outstanding)},
        )
    entry = _post_keyed(
        customer_id=deal.customer_id,
        deal=deal,
        kind=Kind.PAYMENT,
        amount=amount,
        effect=-amount,
        entry_on=paid_on,
        note=note,
        created_by=recorded_by,
        idempotency_key=idempotency_key,
    )
    _refresh_deal(deal=deal, on=paid_on)
    return entry


@transaction.atomic
def record_return(
    *,
    deal_id: int,
    amount: Any,
    returned_on: date,
    recorded_by: User,
    note: str = "",
    idempotency_key: str | None = None,
) -> LedgerEntry:
    """Record a return or exchange (退换) that reduces what the customer owes, up to what is left of the order."""
    replay = _replayed(idempotency_key=idempotency_key, user=recorded_by, kind=Kind.RETURN, deal_id=deal_id)
    if replay is not None:
        return replay
    amount = _money(amount, field="amount")
    deal = _locked_deal(deal_id=deal_id)
    replay = _replayed(idempotency_key=idempotency_key, user=recorded_by, kind=Kind.RETURN, deal_id=deal_id)
    if replay is not None:
        return replay
    _not_before_issue(deal, returned_on, field="returned_on")
    _not_in_future(returned_on, field="returned_on")
    figures = deal_figures(deal_id=deal.pk)
    if amount > figures.ordered - figures.returned:
        raise ReturnTooLarge
    entry = _post_keyed(
        customer_id=deal.customer_id,
        deal=deal,
        kind=Kind.RETURN,
        amount=amount,
        effect=-amount,
        entry_on=returned_on,
        counts_on=_order_counts_on(deal=deal),
        note=note,
        created_by=recorded_by,
        idempotency_key=idempotency_key,
    )
    _refresh_deal(deal=deal)
    return entry


@transaction.atomic
def record_refund(
    *,
    deal_id: int,
    amount: Any,
    refunded_on: date,
    recorded_by: User,
    note: str = "",
    idempotency_key: str | None = None,
) -> LedgerEntry:
    """Record money paid back to the customer, up to the deal's credit (a balance below zero), also on a
    cancelled deal. More than the credit is refused (``NothingToRefund``, ``credit`` in ``extra``).
    The refund counts for attainment with the latest money received on the deal."""
    replay = _replayed(idempotency_key=idempotency_key, user=recorded_by, kind=Kind.REFUND, deal_id=deal_id)
    if replay is not None:
        return replay
    amount = _money(amount, field="amount")
    deal = _locked_deal(deal_id=deal_id, closed_ok=True)
    replay = _replayed(idempotency_key=idempotency_key, user=recorded_by, kind=Kind.REFUND, deal_id=deal_id)
    if replay is not None:
        return replay
    _not_before_issue(deal, refunded_on, field="refunded_on")
    _not_in_future(refunded_on, field="refunded_on")
    credit = deal_figures(deal_id=deal.pk).credit
    if amount > credit:
        raise NothingToRefund(
            _("The refund of ¥%(amount)s is larger than the ¥%(credit)s the customer has to get back.")
            % {"amount": amount, "credit": credit},
            extra={"credit": str(credit)},
        )
    entry = _post_keyed(
        customer_id=deal.customer_id,
        deal=deal,
        kind=Kind.REFUND,
        amount=amount,
        effect=amount,
        entry_on=refunded_on,
        counts_on=_money_in_counts_on(deal=deal, up_to=refunded_on),
        note=note,
        created_by=recorded_by,
        idempotency_key=idempotency_key,
    )
    _refresh_deal(deal=deal)
    return entry


@transaction.atomic
def record_call(
    *, customer_id: int, called_on: date, recorded_by: User, note: str, deal_id: int | None = None
) -> LedgerEntry:
    """A follow-up call in the ledger (no effect on the balance)."""
    if not note.strip():
        raise ValidationError({"note": _("Say what the call was about.")})
    _not_in_future(called_on, field="called_on")
    lock_customer(customer_id=customer_id)
    deal = Deal.objects.get(pk=deal_id, customer_id=customer_id) if deal_id is not None else None
    return _post(
        customer_id=customer_id, deal=deal, kind=Kind.CALL, entry_on=called_on, note=note, created_by=recorded_by
    )


@transaction.atomic
def reverse_entry(*, entry_id: int, reversed_by: User, reason: str, on: date | None = None) -> LedgerEntry:
    """Correct a ledger entry by posting its opposite (same kind, opposite effect, ``reverses`` set).

    Reversing the order cancels the deal; reversing the delivery clears its date; reversing either half
    of a carried credit reverses both. Each entry can be reversed once (a unique constraint) and a
    reversal cannot be reversed. The reversal is dated ``on`` (today) but counts for attainment on the
    day its original counts on. Returns the reversal of ``entry_id``.
    """
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the entry is being reversed.")})
    customer_id = LedgerEntry.objects.values_list("customer_id", flat=True).get(pk=entry_id)
    lock_customer(customer_id=customer_id)
    original = LedgerEntry.objects.select_related("deal").get(pk=entry_id)
    if original.reverses_id is not None:
        raise NotReversible
    if LedgerEntry.objects.filter(reverses=original).exists():
        raise AlreadyReversed
    originals = [original]
    if original.kind == Kind.CARRY_IN:
        # carry_credit posts every carry-in with the carry-out it came from; a reversal (which has none)
        # was refused above.
        assert original.carried_from is not None, "a carry-in without its carry-out"
        originals.append(original.carried_from)
    elif original.kind == Kind.CARRY_OUT:
        originals.append(LedgerEntry.objects.get(carried_from=original))
    reversals = [
        _post(
            customer_id=customer_id,
            deal=each.deal,
            kind=each.kind,
            amount=each.amount,
            effect=-each.effect,
            entry_on=on or local_today(),
            counts_on=each.counts_on,
            note=reason,
            reverses=each,
            created_by=reversed_by,
        )
        for each in originals
    ]
    for each in originals:
        deal = each.deal
        if deal is None:
            continue
        deal.refresh_from_db()
        if each.kind == Kind.DELIVERY:
            deal.delivered_on = None
            deal.version += 1
            record_change_by(deal, reversed_by)
            deal.save()
        _refresh_deal(deal=deal)
    return reversals[0]


@transaction.atomic
def carry_credit(
    *,
    deal_id: int,
    to_deal_id: int,
    carried_by: User,
    amount: Any = None,
    note: str = "",
    idempotency_key: str | None = None,
) -> LedgerEntry:
    """Carry the customer's credit on ``deal_id`` (a balance below zero, e.g. a cancelled part-paid deal)
    to their deal ``to_deal_id`` as a payment of it: a pair of entries dated today, ``carry_out`` (+) on
    the first deal and ``carry_in`` (−, ``carried_from`` the first) on the second. ``amount`` defaults to
    the whole credit, capped at what the second deal still owes. Returns the ``carry_in`` entry.

    Refused: more than the credit (``CreditTooSmall``), more than the second deal owes (ValidationError),
    a deal of another customer (``Deal.DoesNotExist``) or a cancelled one (``DealCancelled``).
    Idempotent per user and ``idempotency_key`` (the key is kept on the ``carry_in`` entry).
    """
    replay = _replayed(idempotency_key=idempotency_key, user=carried_by, kind=Kind.CARRY_IN, deal_id=to_deal_id)
    if replay is not None:
        return replay
    deal = _locked_deal(deal_id=deal_id, closed_ok=True)
    replay = _replayed(idempotency_key=idempotency_key, user=carried_by, kind=Kind.CARRY_IN, deal_id=to_deal_id)
    if replay is not None:
        return replay
    target = Deal.objects.get(pk=to_deal_id, customer_id=deal.customer_id)
    if target.pk == deal.pk:
        raise ValidationError({"to_deal": _("Choose another deal of this customer.")})
    if target.status == Deal.Status.CANCELLED:
        raise DealCancelled
    credit = deal_figures(deal_id=deal.pk).credit
    due = deal_figures(deal_id=target.pk).due
    amount = _money(amount, field="amount") if amount not in (None, "") else min(credit, due)
    if amount <= 0 or amount > credit:
        raise CreditTooSmall(
            _("The amount to carry, ¥%(amount)s, is larger than the ¥%(credit)s the customer has to get back.")
            % {"amount": amount, "credit": credit},
            extra={"credit": str(credit)},
        )
    if amount > due:
        raise ValidationError(
            {"amount": _("Deal %(number)s has only ¥%(due)s left to pay.") % {"number": target.number, "due": due}}
        )
    today = local_today()
    carried_out = _post(
        customer_id=deal.customer_id,
        deal=deal,
        kind=Kind.CARRY_OUT,
        amount=amount,
        effect=amount,
        entry_on=today,
        counts_on=_money_in_counts_on(deal=deal, up_to=today),
        note=note or gettext("Credit carried to %(number)s") % {"number": target.number},
        created_by=carried_by,
    )
    carried_in = _post_keyed(
        customer_id=deal.customer_id,
        deal=target,
        kind=Kind.CARRY_IN,
        amount=amount,
        effect=-amount,
        entry_on=today,
        note=note or gettext("Credit carried from %(number)s") % {"number": deal.number},
        created_by=carried_by,
        idempotency_key=idempotency_key,
        carried_from=carried_out,
    )
    _refresh_deal(deal=deal)
    _refresh_deal(deal=target, on=today)
    return carried_in


def _post_keyed(*, created_by: User, idempotency_key: str | None, **fields: Any) -> LedgerEntry:
    """``_post`` for an entry with a key. Under the customer's lock the user's key was checked free, so
    a clash here is the same user's key landing meanwhile on another customer: a different entry."""
    try:
        with transaction.atomic():
            return _post(created_by=created_by, idempotency_key=idempotency_key, **fields)
    except IntegrityError:
        if (
            idempotency_key
            and LedgerEntry.objects.filter(created_by=created_by, idempotency_key=idempotency_key).exists()
        ):
            raise KeyReused from None
        raise


# --- agreed prices --------------------------------------------------------------------------------


@transaction.atomic
def set_price_agreement(
    *,
    customer_id: int,
    product: Product,
    valid_from: date,
    created_by: User,
    price: Any = None,
    discount_percent: Any = None,
    valid_until: date | None = None,
    note: str = "",
) -> PriceAgreement:
    """Agree a price or a discount with a customer for a product. An open-ended agreement that began
    earlier is ended the day before; any other overlap is refused."""
    if (price in (None, "")) == (discount_percent in (None, "")):
        raise ValidationError(_("Enter either an agreed price or a discount, not both."))
    if valid_until is not None and valid_until < valid_from:
        raise ValidationError({"valid_until": _("The end date is before the start date.")})
    lock_customer(customer_id=customer_id)
    agreements = PriceAgreement.objects.filter(customer_id=customer_id, product=product)
    overlapping = agreements.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=valid_from))
    if valid_until is not None:
        overlapping = overlapping.filter(valid_from__lte=valid_until)
    for previous in overlapping:
        if previous.valid_until is None and previous.valid_from < valid_from:
            previous.valid_until = valid_from - timedelta(days=1)
            record_change_by(previous, created_by)
            previous.save()
        else:
            raise OverlappingAgreement
    agreement = PriceAgreement(
        customer_id=customer_id,
        product=product,
        price=_money(price, field="price") if price not in (None, "") else None,
        discount_percent=Decimal(str(discount_percent)) if discount_percent not in (None, "") else None,
        valid_from=valid_from,
        valid_until=valid_until,
        note=note,
        created_by=created_by,
    )
    if agreement.discount_percent is not None and not (0 < agreement.discount_percent < 100):
        raise ValidationError({"discount_percent": _("A discount is between 0 and 100 percent.")})
    agreement.full_clean()
    record_change_by(agreement, created_by)
    agreement.save()
    return agreement


# --- showcase --------------------------------------------------------------------------------------


@transaction.atomic
def add_showcase_photo(
    *,
    customer_id: int,
    image: File,
    added_by: User,
    consent: bool,
    consent_by: str,
    consent_on: date,
    caption: str = "",
) -> ShowcasePhoto:
    """Keep a photo of the customer's use for flyers; only with the customer's recorded consent.
    ``image`` must already be cleaned (``crm.images.clean_image``)."""
    if not consent:
        raise ValidationError({"consent": _("Record the customer's consent before keeping the photo.")})
    if not consent_by.strip():
        raise ValidationError({"consent_by": _("Say who at the customer agreed.")})
    _not_in_future(consent_on, field="consent_on")
    photo = ShowcasePhoto(
        customer_id=customer_id,
        caption=caption,
        consent=True,
        consent_by=consent_by.strip(),
        consent_on=consent_on,
        created_by=added_by,
    )
    assert image.name, "clean_image names every file it returns"
    photo.image.save(image.name, image, save=False)
    record_change_by(photo, added_by)
    photo.save()
    return photo


# --- scheduled job -----------------------------------------------------------------------------------


@transaction.atomic
def send_renewal_reminders(*, day: date) -> int:
    """Remind the customer's holder (else the credited salesperson) of every renewal due within
    RENEWAL_REMINDER_DAYS after ``day``, and of every instalment due within its reminder days.

    Set-based and idempotent: one RenewalReminder per deal and renewal date (unique constraint), one
    reminder per instalment (``reminded_at``); a second run for any day sends nothing again.
    Returns the number of notifications created.
    """
    horizon = day + timedelta(days=settings.CRM["RENEWAL_REMINDER_DAYS"])
    due = (
        Deal.objects.filter(renewal_on__gte=day, renewal_on__lte=horizon)
        .exclude(status__in=[Deal.Status.CANCELLED, Deal.Status.RETURNED])
        .exclude(Exists(RenewalReminder.objects.filter(deal=OuterRef("pk"), renewal_on=OuterRef("renewal_on"))))
        .values_list("pk", "renewal_on", "customer__owner_id", "salesperson_id")
    )
    RenewalReminder.objects.bulk_create(
        [
            # renewal_on is never NULL here: the range filter above leaves NULLs out.
            RenewalReminder(deal_id=pk, renewal_on=cast(date, renewal_on), recipient_id=owner_id or salesperson_id)
            for pk, renewal_on, owner_id, salesperson_id in due
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    now = timezone.now()
    pending = list(
        RenewalReminder.objects.filter(notified_at__isnull=True)
        .select_related("deal__customer", "deal__product")
        .select_for_update(skip_locked=True, of=("self",))
    )
    notes = [
        Note(
            recipient_id=reminder.recipient_id,
            kind="renewal_due",
            text=Message(
                gettext_noop("Renewal due on %(date)s: %(customer)s, %(product)s %(number)s"),
                {
                    "date": lazy(date_format, str)(reminder.renewal_on, "SHORT_DATE_FORMAT"),
                    "customer": reminder.deal.customer,
                    "product": reminder.deal.product,
                    "number": reminder.deal.number,
                },
            ),
            link=reverse("deals:deal_detail", kwargs={"pk": reminder.deal_id}),
        )
        for reminder in pending
    ]
    RenewalReminder.objects.filter(pk__in=[reminder.pk for reminder in pending]).update(notified_at=now)
    instalments = list(
        Instalment.objects.filter(
            reminded_at__isnull=True,
            due_on__gte=day,
            due_on__lte=day + timedelta(days=MAX_INSTALMENT_REMINDER_DAYS),
            collected__lt=F("amount"),
        )
        .exclude(deal__status__in=[Deal.Status.CANCELLED, Deal.Status.RETURNED])
        .select_related("deal__customer")
        .select_for_update(skip_locked=True, of=("self",))
    )
    instalments = [i for i in instalments if i.due_on - timedelta(days=i.remind_days_before) <= day]
    notes += [
        Note(
            recipient_id=instalment.deal.salesperson_id,
            kind="instalment_due",
            text=Message(
                gettext_noop("Instalment due on %(date)s: %(customer)s, ¥%(amount)s outstanding"),
                {
                    "date": lazy(date_format, str)(instalment.due_on, "SHORT_DATE_FORMAT"),
                    "customer": instalment.deal.customer,
                    "amount": instalment.outstanding,
                },
            ),
            link=reverse("deals:deal_detail", kwargs={"pk": instalment.deal_id}),
        )
        for instalment in instalments
    ]
    Instalment.objects.filter(pk__in=[instalment.pk for instalment in instalments]).update(reminded_at=now)
    count = len(notify_many(notes=notes))
    logger.info("Renewal and instalment reminders for %s: %d sent", day.isoformat(), count)
    return count


# --- a territory changing hands ----------------------------------------------------------------------

OPEN_DEAL_STATUSES = (Deal.Status.ISSUED, Deal.Status.DELIVERED, Deal.Status.PARTIALLY_PAID)


def _open_deals_passing(*, territory: Territory, to_user: User | None):
    """The open deals (not yet fully paid, returned or cancelled) of the customers a reassignment to
    ``to_user`` hands over (None: a release): the same customers as the customers' mover takes."""
    deals = Deal.objects.filter(
        customer__territory=territory, customer__pooled_at__isnull=True, status__in=OPEN_DEAL_STATUSES
    )
    if to_user is None:
        return deals.filter(customer__owner__isnull=False)
    return deals.exclude(customer__owner=to_user)


def pass_open_deals_of_territory(
    *, territory: Territory, to_user: User, changed_by: User | None, reason: str, at: datetime
) -> int:
    """Open-work mover for territory reassignment: how many open deals pass to the new owner with their
    customers. Nothing on the deal is rewritten: its follow-up (delivery, payments, renewal reminders) goes to
    whoever holds the customer, and its credit stays with who owned the territory when it closed (the
    attribution rule). Registered before the customers' mover, so it counts them before they move."""
    return _open_deals_passing(territory=territory, to_user=to_user).count()


def release_open_deals_of_territory(*, territory: Territory, changed_by: User | None, reason: str, at: datetime) -> int:
    """Release hook: the open deals whose customers go to the "to be assigned" queue (counted, not rewritten)."""
    return _open_deals_passing(territory=territory, to_user=None).count()


def preview_open_deals_of_territory(
    *, territory: Territory, to_user: User | None, at: datetime, limit: int
) -> WorkPreview:
    """What the two hooks above would count now, with the first ``limit`` deals as "number · customer"."""
    deals = _open_deals_passing(territory=territory, to_user=to_user)
    sample = deals.order_by("issued_on", "pk").values_list("number", "customer__unit_name")[:limit]
    return WorkPreview(count=deals.count(), sample=tuple(f"{number} · {unit}" for number, unit in sample))
