"""The phone inquiry register 电话咨询客户资料: register, route, follow to a visit and a deal.

Data flows one way: this module calls the deals services of ``accounts``; ``accounts`` knows nothing of
inquiries (the link is ``PhoneInquiry.deal``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from accounts.customers.models import Customer
from accounts.customers.selectors import duplicate_candidates
from accounts.customers.services import ProspectCapReached, assign_customer_to_territory, register_customer
from accounts.deals.models import Deal, Product
from accounts.deals.services import create_deal, request_deal_price_approval
from campaigns.models import Campaign, Event, PhoneInquiry
from campaigns.partners.models import Partner
from crm.errors import ApplicationError
from crm.models import Approval, User
from crm.phones import display_phone, normalise_phone
from crm.services import Message, Note, notify, notify_many
from territories.models import Territory
from territories.selectors import current_owner, territories_owned_by
from territories.services import WorkPreview, route_customer

logger = logging.getLogger(__name__)
Status = PhoneInquiry.Status
# Neither converted nor dropped: someone still has to visit the caller or close the deal.
OPEN_STATUSES = (Status.NEW, Status.ASSIGNED, Status.VISITED)
MOVE_BATCH = 1000
# The customer an inquiry registers says how the caller came: a call in, a lead at an event, a call out.
CUSTOMER_SOURCE = {
    PhoneInquiry.Channel.PHONE: Customer.Source.PHONE_INQUIRY,
    PhoneInquiry.Channel.EVENT: Customer.Source.EVENT,
    PhoneInquiry.Channel.TELEMARKETING: Customer.Source.TELEMARKETING,
}


class InquiryClosed(ApplicationError):
    default_message = _("This inquiry is already closed.")


class InquiryDropped(ApplicationError):
    default_message = _("This inquiry was dropped: no deal can be recorded for it.")


class InquiryHasDeal(ApplicationError):
    default_message = _("A deal has already been recorded for this inquiry.")


class InquiryWithoutCustomer(ApplicationError):
    default_message = _("This inquiry has no customer yet: register the caller as a customer, then record the deal.")


@transaction.atomic
def register_phone_inquiry(
    *,
    entered_by: User,
    data: Mapping[str, Any],
    campaign: Campaign | None = None,
    event: Event | None = None,
    received_at: datetime | None = None,
    channel: str | None = None,
    partner: Partner | None = None,
) -> PhoneInquiry:
    """Register a call (or an event lead, or a callee interested on a telemarketing call: ``channel``) and
    route it to the salesperson of the caller's territory.

    A caller who is already a customer (same phone) goes to that customer's territory and holder;
    anyone else is routed by district/address and channel type (given as ``channel_type``, or found from
    the caller's ``business_type``) by ``territories.services.route_customer``, the decision every door
    uses, and registered as a prospect customer of that territory held by its owner (source: phone
    inquiry / event). The salesperson found is notified; with no territory or no owner, the inquiry and
    its customer both wait in the managers' queues ("new" / "to be assigned"; the managers are notified).
    With ``partner`` (the caller was sent by a partner company), a caller registered now is the partner's
    lead; a caller already a customer keeps the partner it came through, if any.
    """
    phone = normalise_phone(data.get("phone"))
    if not phone:
        raise ValidationError({"phone": _("Enter a valid phone number.")})
    inquiry = PhoneInquiry(
        received_at=received_at or timezone.now(),
        channel=channel or (PhoneInquiry.Channel.EVENT if event else PhoneInquiry.Channel.PHONE),
        unit_name=(data.get("unit_name") or "").strip(),
        caller_name=(data.get("caller_name") or "").strip(),
        phone=phone,
        district=(data.get("district") or (event.district if event else "") or "").strip(),
        address=(data.get("address") or "").strip(),
        topic=(data.get("topic") or "").strip() or (event.name if event else ""),
        campaign=campaign or (event.campaign if event else None),
        event=event,
        entered_by=entered_by,
    )
    inquiry.full_clean(exclude=["territory", "salesperson", "customer"])
    existing = duplicate_candidates(phone=phone).select_related("territory", "owner").first()
    if existing is not None:
        inquiry.customer = existing
        inquiry.territory = existing.territory
        inquiry.salesperson = current_owner(territory=existing.territory) or existing.owner
    else:
        decision = route_customer(
            district=inquiry.district,
            address=inquiry.address,
            channel_type=data.get("channel_type"),
            business_type=(data.get("business_type") or "").strip(),
        )
        inquiry.territory, inquiry.salesperson = decision.territory, decision.owner
        try:
            inquiry.customer = register_customer(
                created_by=entered_by,
                data={
                    "unit_name": inquiry.unit_name or inquiry.caller_name,
                    "phone": phone,
                    "district": inquiry.district,
                    "address": inquiry.address,
                    "business_type": (data.get("business_type") or "").strip()[:100],
                    "channel_type": decision.channel_type,
                    "source": CUSTOMER_SOURCE[PhoneInquiry.Channel(inquiry.channel)],
                    "territory": inquiry.territory,
                    "notes": inquiry.topic[:500],
                },
                contacts=[{"name": inquiry.caller_name, "mobile": phone}],
                sources={"partner": partner},
            )
        except ProspectCapReached:
            # The inquiry must not be lost over the holder's prospect cap: the salesperson
            # registers the customer on the visit instead.
            logger.info("Inquiry from %s: holder at the prospect cap, no customer registered", phone)
    inquiry.status = Status.ASSIGNED if inquiry.salesperson else Status.NEW
    inquiry.assigned_at = timezone.now() if inquiry.salesperson else None
    inquiry.save()
    _announce(inquiry)
    return inquiry


def _announce(inquiry: PhoneInquiry) -> None:
    link = reverse("campaigns:inquiry_detail", kwargs={"pk": inquiry.pk})
    who = inquiry.unit_name or inquiry.caller_name
    if inquiry.salesperson is not None:
        notify(
            recipient=inquiry.salesperson,
            kind="phone_inquiry",
            text=Message(
                gettext_noop("New inquiry for you: %(who)s (%(phone)s) asked about %(topic)s"),
                {"who": who, "phone": display_phone(inquiry.phone), "topic": inquiry.topic[:100]},
            ),
            link=link,
        )
        return
    managers = User.objects.filter(role=User.Role.MANAGER, is_active=True)
    notify_many(
        notes=[
            Note(
                recipient_id=manager_id,
                kind="phone_inquiry_unrouted",
                text=Message(gettext_noop("An inquiry from %(who)s could not be routed: assign it."), {"who": who}),
                link=link,
            )
            for manager_id in managers.values_list("pk", flat=True)
        ]
    )


@transaction.atomic
def assign_phone_inquiry(*, inquiry: PhoneInquiry, salesperson: User, assigned_by: User) -> PhoneInquiry:
    """A manager gives an inquiry from the queue to a salesperson, who is notified. Never half-owned: a
    caller's customer in the "to be assigned" queue goes along (into the salesperson's territory of the
    branch the call routed to); a caller whose customer someone else holds stays with that holder.
    The customer of an inquiry given to someone else is moved on the customer's page (or by reassigning
    the territory), and its open inquiries follow."""
    inquiry = PhoneInquiry.objects.select_for_update().get(pk=inquiry.pk)
    if inquiry.status in (Status.CONVERTED, Status.DROPPED):
        raise InquiryClosed
    if not (salesperson.is_active and salesperson.is_salesperson):
        raise ValidationError({"salesperson": _("Only an active salesperson can take an inquiry.")})
    customer = inquiry.customer
    if customer is not None and customer.owner_id is not None and customer.owner_id != salesperson.pk:
        # Given to someone who cannot open the caller's customer page: refused (move the customer instead).
        raise ValidationError(
            {
                "salesperson": _("The caller is a customer of %(owner)s: the inquiry stays with them.")
                % {"owner": customer.owner}
            }
        )
    if customer is not None and customer.owner_id is None and customer.pooled_at is None:
        # Never half-owned: the caller's customer leaves the queue with the inquiry, into the
        # salesperson's territory of the branch the call routed to (else their first territory).
        territory = _territory_for_queued_customer(customer=customer, salesperson=salesperson)
        if territory is None:
            raise ValidationError({"salesperson": _("This salesperson owns no territory: assign a territory first.")})
        assign_customer_to_territory(customer_id=customer.pk, territory=territory, assigned_by=assigned_by)
        inquiry.refresh_from_db()
        if inquiry.salesperson == salesperson:
            return inquiry  # moved and announced with its customer (move_phone_inquiries_of_customer)
    inquiry.salesperson = salesperson
    inquiry.status = Status.ASSIGNED if inquiry.status == Status.NEW else inquiry.status
    inquiry.assigned_at = timezone.now()
    inquiry.overdue_flagged_at = None
    inquiry.save()
    _announce(inquiry)
    return inquiry


def _territory_for_queued_customer(*, customer: Customer, salesperson: User) -> Territory | None:
    decision = route_customer(
        district=customer.district,
        address=customer.address,
        channel_type=customer.channel_type_id,
        business_type=customer.business_type,
        prefer=salesperson,
    )
    if decision.owner == salesperson:
        return decision.territory
    return territories_owned_by(salesperson=salesperson).order_by("path").first()


def move_phone_inquiries_of_customer(
    *, customer: Customer, territory: Territory, to_user: User, changed_by: User | None, at: datetime
) -> int:
    """Customer follower (``accounts.customers.services.register_customer_follower``): when a customer changes
    hands (taken off the "to be assigned" queue, moved by a manager, claimed from the pool), its open inquiries
    go with it to the territory and its owner (new ones become assigned with a fresh visit deadline), so the
    deal is credited to the new holder (``salesperson_to_credit``). Runs in the change's transaction; returns
    how many."""
    open_inquiries = PhoneInquiry.objects.filter(customer=customer, status__in=OPEN_STATUSES).exclude(
        salesperson=to_user, territory=territory
    )
    moved = list(open_inquiries.select_for_update(of=("self",)).order_by("pk"))
    PhoneInquiry.objects.filter(pk__in=[i.pk for i in moved], status__in=(Status.NEW, Status.ASSIGNED)).update(
        territory=territory,
        salesperson=to_user,
        status=Status.ASSIGNED,
        assigned_at=at,
        overdue_flagged_at=None,
        updated_at=at,
    )
    PhoneInquiry.objects.filter(pk__in=[i.pk for i in moved], status=Status.VISITED).update(
        territory=territory, salesperson=to_user, updated_at=at
    )
    for inquiry in moved:
        inquiry.refresh_from_db()
        _announce(inquiry)
    return len(moved)


@transaction.atomic
def mark_inquiry_visited(*, inquiry: PhoneInquiry, visit_id: int | None = None) -> PhoneInquiry:
    """The salesperson says on the inquiry page that the caller was visited (a logged visit does it through
    ``mark_inquiries_visited_by``). Idempotent: a visited, converted or dropped inquiry is left as it is."""
    inquiry = PhoneInquiry.objects.select_for_update().get(pk=inquiry.pk)
    if inquiry.status in (Status.NEW, Status.ASSIGNED):
        inquiry.status = Status.VISITED
        inquiry.visited_at = timezone.now()
        inquiry.visit_id = visit_id
        inquiry.save(update_fields=["status", "visited_at", "visit_id", "updated_at"])
    return inquiry


def mark_inquiries_visited_by(*, visit) -> int:
    """Visit follower (registered with ``visits.services.register_visit_follower``): the open inquiries (new
    or assigned) given to the visit's salesperson for the visited customer become visited, with that visit,
    so they leave today's route and are not flagged overdue. Runs inside ``record_visit``'s transaction."""
    return PhoneInquiry.objects.filter(
        customer_id=visit.customer_id, salesperson_id=visit.salesperson_id, status__in=(Status.NEW, Status.ASSIGNED)
    ).update(status=Status.VISITED, visited_at=visit.visited_at, visit_id=visit.pk, updated_at=timezone.now())


@transaction.atomic
def mark_inquiry_converted(*, inquiry: PhoneInquiry) -> PhoneInquiry:
    """A deal came of it (called by ``record_deal_from_inquiry``). Idempotent."""
    inquiry = PhoneInquiry.objects.select_for_update().get(pk=inquiry.pk)
    if inquiry.status == Status.DROPPED:
        raise InquiryClosed
    if inquiry.status != Status.CONVERTED:
        inquiry.status = Status.CONVERTED
        inquiry.closed_at = timezone.now()
        inquiry.visited_at = inquiry.visited_at or inquiry.closed_at
        inquiry.save(update_fields=["status", "closed_at", "visited_at", "updated_at"])
    return inquiry


@transaction.atomic
def drop_phone_inquiry(*, inquiry: PhoneInquiry, dropped_by: User, reason: str) -> PhoneInquiry:
    inquiry = PhoneInquiry.objects.select_for_update().get(pk=inquiry.pk)
    if inquiry.status in (Status.CONVERTED, Status.DROPPED):
        raise InquiryClosed
    if not reason.strip():
        raise ValidationError({"drop_reason": _("Say why the inquiry is dropped.")})
    inquiry.status = Status.DROPPED
    inquiry.drop_reason = reason.strip()[:300]
    inquiry.closed_at = timezone.now()
    inquiry.save(update_fields=["status", "drop_reason", "closed_at", "updated_at"])
    return inquiry


def move_phone_inquiries_of_territory(
    *, territory: Territory, to_user: User, changed_by: User | None, reason: str, at: datetime
) -> int:
    """Open-work mover for territory reassignment: the territory's open inquiries go to its new owner.

    Moves the inquiries that are still open (new, assigned or visited) and either were routed to
    ``territory`` or came from one of its customers (pooled customers stay in the pool, as in the
    customers' mover). A new or assigned inquiry becomes assigned to ``to_user`` with a fresh visit
    deadline (``assigned_at`` = ``at``, overdue flag cleared); a visited one keeps its state. Converted
    and dropped inquiries stay as they are: their deal's credit is decided at the close
    (``salesperson_to_credit``). The new owner gets one notification with the count. Runs inside
    ``assign_territory``'s transaction; returns how many moved (none the second time).
    """
    ids = list(
        _inquiries_moving(territory=territory, to_user=to_user)
        .select_for_update(of=("self",))  # PostgreSQL: not the outer-joined customers
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), MOVE_BATCH):
        batch = ids[start : start + MOVE_BATCH]
        PhoneInquiry.objects.filter(pk__in=batch, status__in=(Status.NEW, Status.ASSIGNED)).update(
            salesperson=to_user, status=Status.ASSIGNED, assigned_at=at, overdue_flagged_at=None, updated_at=at
        )
        PhoneInquiry.objects.filter(pk__in=batch, status=Status.VISITED).update(salesperson=to_user, updated_at=at)
    if ids:
        notify(
            recipient=to_user,
            kind="phone_inquiries_reassigned",
            text=Message(
                gettext_noop("%(count)s open phone inquiry of %(territory)s is now yours."),
                {"count": len(ids), "territory": territory.name},
                plural="%(count)s open phone inquiries of %(territory)s are now yours.",
                count=len(ids),
            ),
            link=reverse("campaigns:inquiry_list"),
        )
    logger.info("Territory %s to user %s: %d open inquiries moved", territory.pk, to_user.pk, len(ids))
    return len(ids)


def release_phone_inquiries_of_territory(
    *, territory: Territory, changed_by: User | None, reason: str, at: datetime
) -> int:
    """Release hook for a territory left without an owner: its inquiries nobody has visited yet (new or
    assigned; routed to ``territory`` or from one of its customers, pooled ones aside) go back to the
    managers' queue as new, without a salesperson or a deadline. Visited, converted and dropped ones stay
    with whoever worked them. The next owner gets the queued ones through ``move_phone_inquiries_of_territory``."""
    return _inquiries_moving(territory=territory, to_user=None).update(
        salesperson=None, status=Status.NEW, assigned_at=None, overdue_flagged_at=None, updated_at=at
    )


def _inquiries_moving(*, territory: Territory, to_user: User | None):
    """The inquiries a reassignment to ``to_user`` moves, or (None) a release sends back to the queue."""
    of_territory = Q(territory=territory) | Q(customer__territory=territory, customer__pooled_at__isnull=True)
    if to_user is None:
        return (
            PhoneInquiry.objects.filter(status__in=(Status.NEW, Status.ASSIGNED))
            .filter(of_territory)
            .exclude(salesperson__isnull=True, status=Status.NEW)
        )
    return PhoneInquiry.objects.filter(status__in=OPEN_STATUSES).filter(of_territory).exclude(salesperson=to_user)


def preview_phone_inquiries_of_territory(
    *, territory: Territory, to_user: User | None, at: datetime, limit: int
) -> WorkPreview:
    """What the mover (``to_user`` given) or the release hook would move now, the first ``limit`` as
    "unit or caller (day received)". Changes nothing."""
    inquiries = _inquiries_moving(territory=territory, to_user=to_user)
    rows = inquiries.order_by("received_at", "pk").values_list("unit_name", "caller_name", "received_at")[:limit]
    sample = tuple(f"{unit or caller} ({timezone.localdate(received):%Y-%m-%d})" for unit, caller, received in rows)
    return WorkPreview(count=inquiries.count(), sample=sample)


def salesperson_to_credit(*, inquiry: PhoneInquiry, at: datetime | None = None) -> User | None:
    """Attribution (DESIGN §4): a deal from an inquiry is credited to the salesperson who owned the
    caller's territory when the deal closed, whoever entered the inquiry; without a territory, to the
    salesperson the inquiry was given to. ``record_deal_from_inquiry`` calls this when it records the deal."""
    return current_owner(territory=inquiry.territory, at=at) or inquiry.salesperson


def _closing_moment(issued_on: date) -> datetime:
    # The deal closes on the day its order is issued: a back-dated order is credited to whoever owned
    # the territory at the end of that day, as ``accounts.deals.services.credited_salesperson`` does.
    return min(timezone.make_aware(datetime.combine(issued_on, time.max)), timezone.now())


def _inquiry_open_to_a_deal(*, inquiry: PhoneInquiry, issued_on: date) -> tuple[PhoneInquiry, int]:
    """The inquiry, locked, and its customer's id when it still takes a deal issued on ``issued_on``; refused
    otherwise."""
    inquiry = PhoneInquiry.objects.select_for_update().get(pk=inquiry.pk)
    if inquiry.status == Status.DROPPED:
        raise InquiryDropped
    if inquiry.deal_id is not None:
        raise InquiryHasDeal
    if inquiry.customer_id is None:
        raise InquiryWithoutCustomer
    if issued_on < timezone.localdate(inquiry.received_at):
        raise ValidationError({"issued_on": _("The order cannot have been issued before the inquiry came in.")})
    return inquiry, inquiry.customer_id


@transaction.atomic
def record_deal_from_inquiry(
    *,
    inquiry: PhoneInquiry,
    recorded_by: User,
    product: Product,
    number: str,
    amount: Any,
    issued_on: date,
    **deal_fields: Any,
) -> Deal:
    """Record the deal that came of an inquiry, in one transaction: the deal (``accounts`` ``create_deal``,
    source "phone inquiry") for the inquiry's customer, credited to ``salesperson_to_credit`` at the
    close, whoever records it; the inquiry linked to it and marked converted.

    ``deal_fields`` go to ``create_deal`` as they are (instalments, renewal_on, next_need, notes,
    confirm_price, idempotency_key). Refused, with nothing stored: a dropped inquiry
    (``InquiryDropped``), one that already has a deal (``InquiryHasDeal``), one without a customer
    (``InquiryWithoutCustomer``), an order issued before the call came in (``ValidationError``), and
    whatever ``create_deal`` refuses. Who may call it is decided by the caller
    (``campaigns.permissions.may_record_deal``).
    """
    inquiry, customer_id = _inquiry_open_to_a_deal(inquiry=inquiry, issued_on=issued_on)
    deal = create_deal(
        created_by=recorded_by,
        customer_id=customer_id,
        product=product,
        number=number,
        amount=amount,
        issued_on=issued_on,
        source=Deal.Source.INQUIRY,
        credited_to=salesperson_to_credit(inquiry=inquiry, at=_closing_moment(issued_on)),
        **deal_fields,
    )
    # Conditional, because select_for_update does not lock on SQLite: of two people recording at once,
    # one links; the other's deal goes with its rolled-back transaction.
    linked = (
        PhoneInquiry.objects.filter(pk=inquiry.pk, deal__isnull=True)
        .exclude(status=Status.DROPPED)
        .update(deal=deal, updated_at=timezone.now())
    )
    if not linked:
        raise InquiryHasDeal
    mark_inquiry_converted(inquiry=inquiry)
    return deal


@transaction.atomic
def request_inquiry_deal_approval(
    *,
    inquiry: PhoneInquiry,
    requested_by: User,
    product: Product,
    number: str,
    amount: Any,
    issued_on: date,
    **deal_fields: Any,
) -> Approval:
    """The inquiry's deal below the customer's agreed price, sent to the manager (``accounts``
    ``request_deal_price_approval``) under the same rules as ``record_deal_from_inquiry``: refused for a dropped
    inquiry, one that has its deal, one without a customer, an order issued before the call. Once approved, the
    deal is recorded by ``create_deal``, whose follower ``convert_open_inquiry_by`` links it to this inquiry
    (still open then) and marks it converted."""
    inquiry, customer_id = _inquiry_open_to_a_deal(inquiry=inquiry, issued_on=issued_on)
    return request_deal_price_approval(
        created_by=requested_by,
        customer_id=customer_id,
        product=product,
        number=number,
        amount=amount,
        issued_on=issued_on,
        **deal_fields,
    )


def convert_open_inquiry_by(*, deal: Deal) -> PhoneInquiry | None:
    """A deal recorded for a caller on any page (the customer's deal form, the API) converts the caller's
    open inquiry, as record_deal_from_inquiry does: the inquiry is linked to the deal, marked converted,
    and the deal's source becomes "phone inquiry", so the campaign's response and conversion count it.
    (Follower of accounts.deals.services.create_deal.) The newest open inquiry received before the order
    closed; none, or a deal recorded from the inquiry itself (it links itself): nothing changes."""
    if deal.source == Deal.Source.INQUIRY:
        return None
    inquiry = (
        PhoneInquiry.objects.select_for_update()
        .filter(
            customer_id=deal.customer_id,
            deal__isnull=True,
            status__in=[Status.ASSIGNED, Status.VISITED],
            received_at__lte=_closing_moment(deal.issued_on),
        )
        .order_by("-received_at", "-pk")
        .first()
    )
    if inquiry is None:
        return None
    PhoneInquiry.objects.filter(pk=inquiry.pk).update(deal=deal, updated_at=timezone.now())
    Deal.objects.filter(pk=deal.pk).update(source=Deal.Source.INQUIRY)
    deal.source = Deal.Source.INQUIRY
    return mark_inquiry_converted(inquiry=inquiry)


def flag_overdue_inquiries(*, day: date) -> int:
    """Flag to their managers the inquiries assigned INQUIRY_VISIT_DAYS or more days before ``day``
    and still not visited. Idempotent: a flagged inquiry is not flagged again. Returns how many."""
    days = settings.CRM["INQUIRY_VISIT_DAYS"]
    cutoff = timezone.make_aware(datetime.combine(day - timedelta(days=days - 1), time.min))
    with transaction.atomic():
        overdue = list(
            PhoneInquiry.objects.select_for_update(of=("self",))  # PostgreSQL: not the outer-joined rows
            .filter(status=Status.ASSIGNED, assigned_at__lt=cutoff, overdue_flagged_at__isnull=True)
            .select_related("salesperson__team__manager")
            .order_by("pk")
        )
        if not overdue:
            return 0
        PhoneInquiry.objects.filter(pk__in=[inquiry.pk for inquiry in overdue]).update(
            overdue_flagged_at=timezone.now()
        )
        notes = []
        for inquiry in overdue:
            # Assigned means given to a salesperson: every door that clears the salesperson (release of a
            # territory) sets the inquiry back to new.
            assert inquiry.salesperson is not None, "an assigned inquiry without a salesperson"
            manager = inquiry.salesperson.team.manager if inquiry.salesperson.team else None
            if manager is None:
                continue
            notes.append(
                Note(
                    recipient_id=manager.pk,
                    kind="phone_inquiry_overdue",
                    text=Message(
                        gettext_noop("%(salesperson)s has not visited the inquiry from %(who)s within %(days)s days."),
                        {
                            "salesperson": inquiry.salesperson,
                            "who": inquiry.unit_name or inquiry.caller_name,
                            "days": days,
                        },
                    ),
                    link=reverse("campaigns:inquiry_detail", kwargs={"pk": inquiry.pk}),
                )
            )
        notify_many(notes=notes)
    logger.info("Overdue inquiries for %s: %d flagged", day.isoformat(), len(overdue))
    return len(overdue)
