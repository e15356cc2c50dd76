"""Writes of the service tools: rate tables, on-site quotes, policy check-ups (the catalogue's editing by the
admin, with its row-by-row checks and spreadsheet import, is in ``catalogue``).

Pricing: for each chosen coverage, the rate table in force on the quote date and the band holding the input
give premium = fixed premium + input × rate % + input × premium per unit, rounded to 0.01 (ROUND_HALF_UP);
the subtotal is their sum; the customer's agreement in force (``agreed_price_for``) then applies: a discount
percent (rounded the same way) or an agreed price that replaces the subtotal. Bad input raises
``ValidationError`` keyed by the form field (``vehicle_value``, ``seats``, ``sum_<coverage code>``) and
nothing is stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from accounts.customers.locks import lock_customer
from accounts.deals.models import ZERO, Deal, PriceAgreement, Product
from accounts.deals.services import agreed_price_for, create_deal
from accounts.service_tools.models import (
    CheckedPolicy,
    CheckupRule,
    Coverage,
    PolicyCheckup,
    Quote,
    RateBand,
    RateInput,
    RateTable,
)
from crm.approvals.services import request_approval
from crm.dates import local_today
from crm.errors import ApplicationError, Conflict
from crm.history import record_change_by
from crm.models import User
from crm.services import Message, Note, notify_many

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CENT = Decimal("0.01")
HUNDRED = Decimal("100")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _plain(value: Decimal | None) -> str:
    """A figure as the user would write it: 150000 rather than 1.5E+5 or 150000.00."""
    if value is None:
        return "∞"
    text = format(value.normalize(), "f")
    return text


# --- rate tables ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    """One band: from ``lower`` up to ``upper`` (None: no limit), priced by the parts given (None: not part of
    the price)."""

    lower: Decimal
    upper: Decimal | None
    base_premium: Decimal | None = None
    rate_percent: Decimal | None = None
    unit_premium: Decimal | None = None

    @property
    def parts(self) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
        return self.base_premium, self.rate_percent, self.unit_premium


def check_bands(bands: Sequence[Band]) -> None:
    """Refuse bands that leave a gap, overlap, run backwards, follow an open-ended band or price nothing."""
    if not bands:
        raise ValidationError(_("A rate table needs at least one band."))
    ordered = sorted(bands, key=lambda band: band.lower)
    for band in ordered:
        if band.lower < 0:
            raise ValidationError(_("A band cannot start below zero."))
        if band.upper is not None and band.upper <= band.lower:
            raise ValidationError(
                _("The band from %(lower)s must end above where it starts.") % {"lower": _plain(band.lower)}
            )
        given = [part for part in band.parts if part is not None]
        if any(part < 0 for part in given):
            raise ValidationError(_("Premiums and rates cannot be negative."))
        if not any(part > 0 for part in given):
            raise ValidationError(
                _("The band from %(lower)s has no price: give a fixed premium, a rate or a premium per unit.")
                % {"lower": _plain(band.lower)}
            )
    for earlier, later in pairwise(ordered):
        if earlier.upper is None or later.lower < earlier.upper:
            raise ValidationError(
                _("The bands from %(first)s and from %(second)s overlap.")
                % {"first": _plain(earlier.lower), "second": _plain(later.lower)}
            )
        if later.lower > earlier.upper:
            raise ValidationError(
                _("The bands leave a gap: nothing prices %(start)s up to %(end)s.")
                % {"start": _plain(earlier.upper), "end": _plain(later.lower)}
            )


def check_table_validity(
    *, coverage_id: int, valid_from: date, valid_until: date | None, exclude_pk: int | None = None
) -> None:
    """Refuse a validity that ends before it starts or overlaps another table of the same coverage."""
    if valid_until is not None and valid_until < valid_from:
        raise ValidationError({"valid_until": _("The end date is before the start date.")})
    others = RateTable.objects.filter(coverage_id=coverage_id)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if valid_until is not None:
        others = others.filter(valid_from__lte=valid_until)
    clash = others.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=valid_from)).first()
    if clash is not None:
        raise ValidationError(
            {
                "valid_from": _("Another rate table of this coverage is valid from %(start)s to %(end)s.")
                % {
                    "start": clash.valid_from.isoformat(),
                    "end": clash.valid_until.isoformat() if clash.valid_until else gettext("open"),
                }
            }
        )


class StaleRateTable(Conflict):
    default_message = _(
        "Someone else saved this rate table after you opened it. Nothing was saved: reload it and make your "
        "changes again."
    )


@transaction.atomic
def save_rate_table(
    *,
    coverage: Coverage,
    input: str,
    valid_from: date,
    valid_until: date | None = None,
    bands: Sequence[Band],
    note: str = "",
    table_id: int | None = None,
    version: int | None = None,
    changed_by: User | None = None,
) -> RateTable:
    """Create a rate table (or replace the bands of ``table_id``) after checking bands and validity.

    All or nothing. With ``version`` (the one the editor was opened on) a table saved by someone else since is
    refused (``StaleRateTable``). Each save raises the version and is recorded (who, when) in the table's and
    the bands' history. Quotes already made keep their figures: a quote stores its lines and totals.
    """
    if input not in RateInput.values:
        raise ValidationError({"input": _("Choose what the table is priced on.")})
    check_bands(bands)
    check_table_validity(coverage_id=coverage.pk, valid_from=valid_from, valid_until=valid_until, exclude_pk=table_id)
    if table_id:
        table = RateTable.objects.select_for_update().get(pk=table_id, coverage=coverage)
        if version is not None and table.version != version:
            raise StaleRateTable
        table.version += 1
    else:
        table = RateTable(coverage=coverage)
    table.input, table.valid_from, table.valid_until, table.note = input, valid_from, valid_until, note
    table.full_clean()
    record_change_by(table, changed_by)
    table.save()
    for old in table.bands.all():
        record_change_by(old, changed_by)
        old.delete()
    bulk_create_with_history(
        [
            RateBand(
                table=table,
                lower=band.lower,
                upper=band.upper,
                base_premium=band.base_premium,
                rate_percent=band.rate_percent,
                unit_premium=band.unit_premium,
            )
            for band in sorted(bands, key=lambda band: band.lower)
        ],
        RateBand,
        default_user=changed_by,
    )
    return table


# --- pricing -------------------------------------------------------------------------------------------


def input_field(*, coverage_code: str, input: str) -> str:
    """The name of the form field (and of the error key) that carries a coverage's input."""
    return f"sum_{coverage_code}" if input == RateInput.SUM_INSURED else input


@dataclass
class Pricing:
    product: Product
    quoted_on: date
    inputs: dict[str, Any]
    lines: list[dict[str, str]] = field(default_factory=list)
    subtotal: Decimal = ZERO
    agreement: PriceAgreement | None = None
    discount: Decimal = ZERO
    special_discount: Decimal = ZERO
    total: Decimal = ZERO

    @property
    def discount_percent(self) -> Decimal:
        """All the discounts together, as a percentage of the list premium."""
        return money((self.discount + self.special_discount) * HUNDRED / self.subtotal) if self.subtotal else ZERO


def _number(raw: Any, *, key: str, label: StrOrPromise, whole: bool = False) -> Decimal:
    if raw is None or str(raw).strip() == "":
        raise ValidationError({key: _("Enter the %(input)s.") % {"input": label}})
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({key: _("Enter a number.")}) from None
    if not value.is_finite() or value < 0:
        raise ValidationError({key: _("Enter a number of zero or more.")})
    if whole and value != value.to_integral_value():
        raise ValidationError({key: _("Enter a whole number.")})
    if value != value.quantize(CENT):
        raise ValidationError({key: _("Use at most two decimals.")})
    return value


def _band_for(bands: Sequence[RateBand], value: Decimal) -> RateBand | None:
    for band in bands:
        if band.lower <= value and (band.upper is None or value < band.upper):
            return band
    return None


def price_quote(
    *,
    customer_id: int,
    product: Product,
    coverages: Sequence[str],
    inputs: Mapping[str, Any],
    on: date,
    special_discount: Decimal = ZERO,
) -> Pricing:
    """Price ``product`` with the chosen coverage codes (compulsory ones are always added) for the customer.

    ``inputs``: ``vehicle_value`` and ``seats`` as numbers or strings, ``sums`` a mapping coverage code → sum
    insured. Returns the breakdown; stores nothing. Reads: the product's coverages, their tables in force on
    ``on`` with bands, the customer's agreement.
    """
    if not product.is_active:
        raise ValidationError(_("%(product)s is no longer sold.") % {"product": product})
    offered = list(product.coverages.all())
    known = {coverage.code for coverage in offered}
    unknown = sorted(set(coverages) - known)
    if unknown:
        raise ValidationError(_("%(product)s has no coverage %(code)s.") % {"product": product, "code": unknown[0]})
    chosen = [coverage for coverage in offered if coverage.is_required or coverage.code in coverages]
    if not chosen:
        raise ValidationError({"coverages": _("Choose at least one coverage.")})
    tables = {
        table.coverage_id: table
        for table in RateTable.objects.filter(coverage__in=chosen, valid_from__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .prefetch_related("bands")
    }
    sums = inputs.get("sums") or {}
    kept: dict[str, Any] = {"coverages": [coverage.code for coverage in chosen], "sums": {}}
    pricing = Pricing(product=product, quoted_on=on, inputs=kept)
    errors: dict[str, list[str]] = {}
    for coverage in chosen:
        table = tables.get(coverage.pk)
        if table is None:
            raise ValidationError(
                _("%(coverage)s has no rate in force on %(date)s: the product has expired or is not on sale yet.")
                % {"coverage": coverage, "date": on.isoformat()}
            )
        key = input_field(coverage_code=coverage.code, input=table.input)
        raw = sums.get(coverage.code) if table.input == RateInput.SUM_INSURED else inputs.get(table.input)
        label = RateInput(table.input).label
        try:
            value = _number(raw, key=key, label=label, whole=table.input == RateInput.SEATS)
        except ValidationError as error:
            errors.update(error.message_dict)
            continue
        if table.input == RateInput.SUM_INSURED:
            kept["sums"][coverage.code] = _plain(value)
        else:
            kept[table.input] = _plain(value)
        bands = list(table.bands.all())
        band = _band_for(bands, value)
        if band is None:
            errors[key] = [
                gettext("%(value)s is outside the rate table of %(coverage)s, which runs from %(lower)s to %(upper)s.")
                % {
                    "value": _plain(value),
                    "coverage": coverage,
                    "lower": _plain(bands[0].lower) if bands else "0",
                    "upper": _plain(bands[-1].upper) if bands else "0",
                }
            ]
            continue
        base, rate, unit = (part if part is not None else ZERO for part in band.parts)
        premium = money(base + value * rate / HUNDRED + value * unit)
        pricing.lines.append(
            {
                "coverage": coverage.code,
                "name": coverage.name,
                "input": table.input,
                "value": _plain(value),
                "table": str(table.pk),
                "lower": _plain(band.lower),
                "upper": _plain(band.upper),
                "base_premium": str(base),
                "rate_percent": _plain(rate),
                "unit_premium": str(unit),
                "premium": str(premium),
            }
        )
    if errors:
        raise ValidationError(errors)
    pricing.subtotal = sum((Decimal(line["premium"]) for line in pricing.lines), ZERO)
    if pricing.subtotal <= 0:
        raise ValidationError(_("These inputs give no premium: check the coverages and inputs."))
    agreement = agreed_price_for(customer_id=customer_id, product_id=product.pk, on=on)
    pricing.agreement = agreement
    if agreement is not None and agreement.discount_percent is not None:
        pricing.discount = money(pricing.subtotal * agreement.discount_percent / HUNDRED)
    elif agreement is not None and agreement.price is not None:
        pricing.discount = pricing.subtotal - agreement.price
    special_discount = money(special_discount or ZERO)
    if special_discount < 0:
        raise ValidationError({"special_discount": _("The extra discount cannot be negative.")})
    if special_discount >= pricing.subtotal - pricing.discount:
        raise ValidationError(
            {
                "special_discount": _("The extra discount must leave a premium above zero (at most ¥%(most)s).")
                % {"most": pricing.subtotal - pricing.discount - Decimal("0.01")}
            }
        )
    pricing.special_discount = special_discount
    pricing.total = pricing.subtotal - pricing.discount - special_discount
    return pricing


DISCOUNT_APPROVAL = "discount"


def discount_needs_approval(*, pricing: Pricing, team_limit_percent: Decimal | None) -> bool:
    """An extra discount needs the manager's yes when it takes the price below the customer's agreed price,
    or the whole discount beyond the team's limit (a person without a team: always)."""
    if pricing.special_discount <= 0:
        return False
    if pricing.agreement is not None or team_limit_percent is None:
        return True
    return pricing.discount_percent > team_limit_percent


@transaction.atomic
def create_quote(
    *,
    created_by: User,
    customer_id: int,
    product: Product,
    coverages: Sequence[str],
    inputs: Mapping[str, Any],
    on: date | None = None,
    special_discount: Decimal = ZERO,
) -> Quote:
    """Price and save a quote to the customer (the caller has checked the customer is visible). An extra
    discount beyond the agreed price or the team's limit asks the manager's approval (``crm.approvals``):
    the quote shows that it waits, and becomes a deal only once approved."""
    on = on or local_today()
    pricing = price_quote(
        customer_id=customer_id,
        product=product,
        coverages=coverages,
        inputs=inputs,
        on=on,
        special_discount=special_discount,
    )
    quote = Quote(
        customer_id=customer_id,
        product=product,
        quoted_on=on,
        inputs=pricing.inputs,
        lines=pricing.lines,
        subtotal=pricing.subtotal,
        agreement=pricing.agreement,
        discount=pricing.discount,
        special_discount=pricing.special_discount,
        total=pricing.total,
        created_by=created_by,
    )
    quote.full_clean()
    quote.save()
    team = created_by.team
    team_limit = team.discount_limit_percent if team is not None else None
    if discount_needs_approval(pricing=pricing, team_limit_percent=team_limit):
        quote.approval = request_approval(
            kind=DISCOUNT_APPROVAL,
            requester=created_by,
            summary=gettext("%(customer)s · %(product)s · ¥%(total)s (list ¥%(subtotal)s, %(percent)s%% off)")
            % {
                "customer": quote.customer.unit_name,
                "product": product,
                "total": quote.total,
                "subtotal": quote.subtotal,
                "percent": pricing.discount_percent,
            },
            payload={"quote_id": quote.pk},
        )
        quote.save(update_fields=["approval", "updated_at"])
    return quote


class DiscountNotApproved(ApplicationError):
    default_message = _("The discount of this quote is not approved.")


def check_discount_approved(quote: Quote) -> None:
    """Refuse (DiscountNotApproved, saying why) a quote whose discount waits or was rejected."""
    approval = quote.approval
    if approval is None or approval.state == approval.State.APPROVED:
        return
    if approval.state == approval.State.PENDING:
        raise DiscountNotApproved(
            _("This quote waits for approval of its discount by %(name)s; it can become a deal once approved.")
            % {"name": approval.approver}
        )
    if approval.state == approval.State.REJECTED:
        raise DiscountNotApproved(
            _("The discount of this quote was rejected by %(name)s: make a new quote.") % {"name": approval.decided_by}
        )
    raise DiscountNotApproved(_("The discount request of this quote was withdrawn: make a new quote."))


class QuoteAlreadyDeal(Conflict):
    default_message = _("This quote has already become a deal.")


@transaction.atomic
def convert_quote_to_deal(
    *, quote_id: int, created_by: User, number: str, issued_on: date, renewal_on: date | None = None
) -> Deal:
    """Record the deal for a quote the customer accepted, for the quoted premium, through ``create_deal``."""
    quote = Quote.objects.select_for_update().select_related("product").get(pk=quote_id)
    if quote.deal_id is not None:
        raise QuoteAlreadyDeal
    check_discount_approved(quote)
    deal = create_deal(
        created_by=created_by,
        customer_id=quote.customer_id,
        product=quote.product,
        number=number,
        amount=quote.total,
        issued_on=issued_on,
        renewal_on=renewal_on,
        notes=gettext("From quote %(number)s") % {"number": quote.pk},
        price_approval=quote.approval,  # its discount below the agreed price, approved (checked above)
    )
    quote.deal = deal
    quote.save(update_fields=["deal", "updated_at"])
    return deal


# --- policy check-up -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyInput:
    insurer: str
    expires_on: date
    sums: Mapping[int, Decimal]  # coverage id → sum insured (0 = covered, sum not known)
    number: str = ""
    premium: Decimal | None = None


def _rule_snapshot(rule: CheckupRule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "kind": rule.kind,
        "title": rule.title,
        "coverage_id": rule.coverage_id,
        "coverage": rule.coverage.name if rule.coverage is not None else "",
        "minimum_sum": str(rule.minimum_sum) if rule.minimum_sum is not None else None,
        "days": rule.days,
        "weight": rule.weight,
        "advice": rule.advice,
    }


def score_policies(
    *, policies: Sequence[PolicyInput], rules: Sequence[Mapping[str, Any]], on: date
) -> tuple[int, list[dict[str, Any]]]:
    """Score out of 100 = passed weight / total weight, rounded half up; and the gaps, in checklist order.

    A policy counts for cover while it has not expired on ``on``. A sum-below rule also fails when the
    coverage is missing. An expiring rule fails when any policy expires within its days (or has expired).
    """
    current = [policy for policy in policies if policy.expires_on >= on]
    gaps: list[dict[str, Any]] = []
    total_weight = sum(rule["weight"] for rule in rules)
    failed_weight = 0
    for rule in rules:
        detail = ""
        if rule["kind"] == CheckupRule.Kind.COVERAGE_MISSING:
            if not any(rule["coverage_id"] in policy.sums for policy in current):
                detail = gettext("No current policy includes %(coverage)s.") % {"coverage": rule["coverage"]}
        elif rule["kind"] == CheckupRule.Kind.SUM_BELOW:
            minimum = Decimal(rule["minimum_sum"])
            held = [policy.sums[rule["coverage_id"]] for policy in current if rule["coverage_id"] in policy.sums]
            if not held:
                detail = gettext("%(coverage)s is not covered; ¥%(minimum)s is recommended.") % {
                    "coverage": rule["coverage"],
                    "minimum": _plain(minimum),
                }
            elif max(held) < minimum:
                detail = gettext("%(coverage)s: ¥%(sum)s insured; ¥%(minimum)s is recommended.") % {
                    "coverage": rule["coverage"],
                    "sum": _plain(max(held)),
                    "minimum": _plain(minimum),
                }
        elif rule["kind"] == CheckupRule.Kind.EXPIRING:
            soonest = min(policies, key=lambda policy: policy.expires_on)
            days_left = (soonest.expires_on - on).days
            if days_left < 0:
                detail = gettext("The %(insurer)s policy expired on %(date)s.") % {
                    "insurer": soonest.insurer,
                    "date": date_format(soonest.expires_on, "Y-m-d"),
                }
            elif days_left <= rule["days"]:
                detail = gettext("The %(insurer)s policy expires on %(date)s, in %(days)s days.") % {
                    "insurer": soonest.insurer,
                    "date": date_format(soonest.expires_on, "Y-m-d"),
                    "days": days_left,
                }
        if detail:
            failed_weight += rule["weight"]
            gaps.append(
                {
                    "rule": rule["id"],
                    "title": rule["title"],
                    "weight": rule["weight"],
                    "detail": detail,
                    "advice": rule["advice"],
                }
            )
    if not total_weight:
        return 100, gaps
    score = (Decimal(total_weight - failed_weight) * HUNDRED / Decimal(total_weight)).quantize(
        Decimal("1"), rounding=ROUND_HALF_UP
    )
    return int(score), gaps


def _policy_inputs(policies: Sequence[Mapping[str, Any]], coverage_ids: set[int]) -> list[PolicyInput]:
    parsed = []
    for number, raw in enumerate(policies, start=1):
        insurer = (raw.get("insurer") or "").strip()
        if not insurer:
            raise ValidationError(_("Policy %(number)s: enter the insurer.") % {"number": number})
        expires_on = raw.get("expires_on")
        if isinstance(expires_on, str):
            try:
                expires_on = date.fromisoformat(expires_on)
            except ValueError:
                expires_on = None
        if not isinstance(expires_on, date):
            raise ValidationError(_("Policy %(number)s: enter the expiry date.") % {"number": number})
        premium = raw.get("premium")
        premium = None if premium in (None, "") else _number(premium, key="premium", label=gettext("premium"))
        sums: dict[int, Decimal] = {}
        for key, value in (raw.get("sums") or {}).items():
            if value in (None, ""):
                continue
            if int(key) not in coverage_ids:
                raise ValidationError(_("Policy %(number)s: unknown coverage.") % {"number": number})
            sums[int(key)] = _number(value, key="sums", label=gettext("sum insured"))
        if not sums:
            raise ValidationError(_("Policy %(number)s: enter at least one coverage.") % {"number": number})
        parsed.append(
            PolicyInput(
                insurer=insurer,
                number=(raw.get("number") or "").strip(),
                expires_on=expires_on,
                premium=premium,
                sums=sums,
            )
        )
    return parsed


@transaction.atomic
def create_policy_checkup(
    *, created_by: User, customer_id: int, policies: Sequence[Mapping[str, Any]], on: date | None = None
) -> PolicyCheckup:
    """Score the customer's current policies against the active checklist and keep the report.

    ``policies``: mappings with ``insurer``, ``number``, ``expires_on``, ``premium`` and ``sums`` (coverage id →
    sum insured; blank = not covered). The soonest expiry still ahead (else the latest one) becomes the
    customer's renewal month and current insurer, which the renewals work reads.
    """
    on = on or local_today()
    if not policies:
        raise ValidationError(_("Enter at least one current policy."))
    parsed = _policy_inputs(policies, set(Coverage.objects.values_list("pk", flat=True)))
    rules = [_rule_snapshot(rule) for rule in CheckupRule.objects.filter(is_active=True).select_related("coverage")]
    score, gaps = score_policies(policies=parsed, rules=rules, on=on)
    customer = lock_customer(customer_id=customer_id)
    checkup = PolicyCheckup(
        customer=customer, checked_on=on, score=score, gaps=gaps, rules=rules, created_by=created_by
    )
    checkup.full_clean()
    checkup.save()
    CheckedPolicy.objects.bulk_create(
        [
            CheckedPolicy(
                checkup=checkup,
                insurer=policy.insurer,
                number=policy.number,
                expires_on=policy.expires_on,
                premium=policy.premium,
                sums={str(key): str(value) for key, value in policy.sums.items()},
            )
            for policy in parsed
        ]
    )
    ahead = [policy for policy in parsed if policy.expires_on >= on]
    renewing = min(ahead, key=lambda p: p.expires_on) if ahead else max(parsed, key=lambda p: p.expires_on)
    customer.renewal_month = renewing.expires_on.month
    customer.current_insurer = renewing.insurer[:100]
    customer.version += 1
    record_change_by(customer, created_by)
    customer.save()
    return checkup


@transaction.atomic
def remind_expiring_policies(*, day: date) -> int:
    """Remind the customer's holder (else whoever did the check-up) of every policy seen at a check-up
    that expires within RENEWAL_REMINDER_DAYS after ``day``: the renewal is a sale to win.

    Idempotent: ``reminded_at`` is set in the same transaction, and rows taken by a concurrent run
    are skipped. Returns the number of notifications created.
    """
    horizon = day + timedelta(days=settings.CRM["RENEWAL_REMINDER_DAYS"])
    policies = list(
        CheckedPolicy.objects.filter(reminded_at__isnull=True, expires_on__gte=day, expires_on__lte=horizon)
        .select_related("checkup__customer")
        .select_for_update(skip_locked=True, of=("self",))
    )
    notes = [
        Note(
            recipient_id=policy.checkup.customer.owner_id or policy.checkup.created_by_id,
            kind="policy_expiring",
            text=Message(
                gettext_noop("%(customer)s: the %(insurer)s policy expires on %(date)s. Offer the renewal."),
                {"customer": policy.checkup.customer, "insurer": policy.insurer, "date": policy.expires_on.isoformat()},
            ),
            link=reverse("accounts:customer_detail", kwargs={"pk": policy.checkup.customer_id}),
        )
        for policy in policies
        if policy.checkup.customer.owner_id or policy.checkup.created_by_id
    ]
    CheckedPolicy.objects.filter(pk__in=[policy.pk for policy in policies]).update(reminded_at=timezone.now())
    return len(notify_many(notes=notes))
