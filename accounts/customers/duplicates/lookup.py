"""Which registered customers the one being typed may be, and why, as the person typing may see them.

Two queries per record checked (``find_duplicates``), or per batch of records (``find_duplicates_for_rows``,
for imports and call lists): the contacts with one of the typed phones, then the customers with one of the
phones (theirs or a contact's), the same name key, a name starting with the same sound (``keys.name_head``:
every name the scorer may call similar has it) or the same address key, at most ``CANDIDATES`` of them, the
closest first. They are scored in Python
(``scoring.name_similarity``), the same on SQLite and PostgreSQL.

A candidate is a **duplicate** (the same phone; the same name key, or a similar name at the same address,
both where the places do not tell them apart) or a **possible duplicate** (a similar name, the same
address) for the person to confirm. Places tell two records apart when both name one at the same level
and they differ (南海 / 顺德): 鸿运汽车(顺德) is not a duplicate of 鸿运汽车(南海) unless a phone says so.

Visibility: a customer in the user's scope (``Customer.objects.visible_to``) comes with its details and a
link. One outside it says who holds it (a colleague by name, the public pool, the managers' queue), and
its name only when the name is what matched (the person typed nearly that name already); never its id,
phone, address or a link. Info staff's scope is empty: they always get the second form.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.db import connection
from django.db.models import (
    Case,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from phonenumber_field.phonenumber import to_python

from accounts.customers.duplicates.keys import address_key, name_head, name_parts, whereabouts
from accounts.customers.duplicates.scoring import name_similarity
from accounts.customers.models import Contact, Customer
from crm.models import User
from crm.phones import normalise_phone, stored_phone

# At or above: a possible duplicate. Measured on tests/accounts/customers/data/duplicate_pairs.csv.
SIMILAR_NAME = 0.7
# How many customers sharing a phone, name, name head or address are scored, at most.
CANDIDATES = 60
# In a batch (an import), of the customers sharing a row's name head, the closest this many are scored.
BATCH_CANDIDATES = 20
SHOWN = 5
ADDRESS_ALONE = 0.7
ADDRESS_BONUS = 0.1


class Strength(StrEnum):
    DUPLICATE = "duplicate"
    POSSIBLE = "possible"


class Holder(StrEnum):
    YOU = "you"
    COLLEAGUE = "colleague"
    POOL = "pool"
    QUEUE = "queue"


class ReasonKind(StrEnum):
    PHONE = "phone"
    SAME_NAME = "same_name"
    SIMILAR_NAME = "similar_name"
    ADDRESS = "address"


@dataclass(frozen=True)
class Reason:
    kind: ReasonKind
    text: str | Promise


@dataclass(frozen=True)
class Typed:
    """One record as typed: a registration form, an inquiry, an import row, a call-list line."""

    unit_name: str = ""
    phones: tuple[str, ...] = ()
    address: str = ""
    district: str = ""


@dataclass(frozen=True)
class Candidate:
    """A registered customer the typed record may be. ``customer`` is None outside the user's scope; then
    ``unit_name`` is the name only when a name reason matched, else ""."""

    strength: Strength
    score: float
    reasons: tuple[Reason, ...]
    customer: Customer | None
    unit_name: str
    holder: Holder
    holder_name: str

    @property
    def is_duplicate(self) -> bool:
        return self.strength == Strength.DUPLICATE

    @property
    def matched_by_phone_or_name(self) -> bool:
        return any(reason.kind in (ReasonKind.PHONE, ReasonKind.SAME_NAME) for reason in self.reasons)


@dataclass(frozen=True)
class _Prepared:
    typed: Typed
    phones: tuple[str, ...]
    key: str
    head: str
    address: str


def _prepare(typed: Typed) -> _Prepared:
    phones = tuple(dict.fromkeys(p for p in (normalise_phone(raw) for raw in typed.phones) if p))
    key = name_parts(typed.unit_name).key
    return _Prepared(typed, phones, key, name_head(key) if key else "", address_key(typed.address))


def _phone_condition(phones: set[str], contact_customers: Iterable[int]) -> Q:
    """The customer's phone, or one of its contacts' (found before: ``_contact_phones``), is one of ``phones``.
    The contacts' customers as a list of ids, not a subquery: an OR with a subquery makes PostgreSQL read the
    whole table, a list lets it combine the indexes."""
    return Q(phone__in=[stored_phone(phone) for phone in phones]) | Q(pk__in=list(contact_customers))


def _condition(records: Iterable[_Prepared], contact_customers: Iterable[int]) -> Q:
    records = list(records)
    phones = {phone for record in records for phone in record.phones}
    keys = {record.key for record in records if record.key}
    heads = {record.head for record in records if record.head}
    addresses = {record.address for record in records if record.address}
    condition = Q(pk__in=[])
    if phones:
        condition |= _phone_condition(phones, contact_customers)
    if keys:
        condition |= Q(name_key__in=keys)
    if heads:
        condition |= Q(name_head__in=heads)
    if addresses:
        condition |= Q(address_key__in=addresses)
    return condition


def _closeness(record: _Prepared, contact_customers: Iterable[int]) -> list:
    """SQL ordering: the same phone, name or address first, then the names closest to the typed key
    (pg_trgm's similarity() on PostgreSQL; on SQLite, how many of its character pairs a name contains)."""
    ordering: list = []
    exact = []
    if record.phones:
        exact.append(When(_phone_condition(set(record.phones), contact_customers), then=Value(3)))
    if record.key:
        exact.append(When(name_key=record.key, then=Value(2)))
    if record.address:
        exact.append(When(address_key=record.address, then=Value(1)))
    if exact:
        ordering.append(Case(*exact, default=Value(0), output_field=IntegerField()).desc())
    if record.key and connection.vendor == "postgresql":
        from django.contrib.postgres.search import TrigramSimilarity

        ordering.append(TrigramSimilarity("name_key", record.key).desc())
    elif record.key:
        pairs = {record.key[i : i + 2] for i in range(max(1, len(record.key) - 1))}
        shared = sum(
            (Case(When(name_key__contains=pair, then=Value(1.0)), default=Value(0.0)) for pair in sorted(pairs)),
            start=Value(0.0),
        )
        ordering.append(Cast(shared, FloatField()).desc())
    return [*ordering, F("pk").desc()]


def _candidates(
    records: Sequence[_Prepared],
    *,
    user: User,
    contact_customers: Iterable[int],
    exclude_pk: int | None,
    limit: int,
    among: Sequence[int] | None = None,
) -> QuerySet:
    contact_customers = list(contact_customers)
    customers = Customer.objects.all() if among is None else Customer.objects.filter(pk__in=list(among))
    rows = (
        customers.filter(_condition(records, contact_customers))
        .select_related("owner")
        .annotate(
            phone_text=Cast("phone", TextField()),
            in_scope=Exists(Customer.objects.visible_to(user).filter(pk=OuterRef("pk"))),
        )
    )
    if exclude_pk:
        rows = rows.exclude(pk=exclude_pk)
    if limit:
        return rows.order_by(*_closeness(records[0], contact_customers))[:limit]
    # A batch may load thousands: the phone is compared as the stored text (E.164 on both sides), not parsed
    # into a PhoneNumber for each row, which would cost more than the matching.
    return rows.defer("phone").order_by("pk")


def _contact_phones(phones: set[str]) -> dict[int, set[str]]:
    """Which of ``phones`` each customer's contacts have (one query, none without phones)."""
    found: dict[int, set[str]] = {}
    if not phones:
        return found
    stored = [stored_phone(phone) for phone in phones]
    for customer_id, mobile, office in (
        Contact.objects.filter(Q(mobile__in=stored) | Q(phone__in=stored))
        .annotate(mobile_text=Cast("mobile", TextField()), phone_text=Cast("phone", TextField()))
        .values_list("customer_id", "mobile_text", "phone_text")
    ):
        found.setdefault(customer_id, set()).update(v for v in (mobile, office) if v and v in phones)
    return found


def _national(phone: str) -> str:
    number = to_python(phone)
    return number.as_national if number is not None and number.is_valid() else phone


def _holder(customer: Customer, user: User) -> tuple[Holder, str]:
    if customer.owner_id is None:
        return (Holder.POOL if customer.pooled_at is not None else Holder.QUEUE), ""
    if customer.owner_id == user.pk:
        return Holder.YOU, ""
    return Holder.COLLEAGUE, str(customer.owner)


def _judge(record: _Prepared, customer: Customer, phones_found: set[str], user: User) -> Candidate | None:
    reasons: list[Reason] = []
    typed = record.typed
    apart = whereabouts(name=typed.unit_name, district=typed.district, address=typed.address).apart_from(
        whereabouts(name=customer.unit_name, district=customer.district, address=customer.address)
    )
    same_phone = [phone for phone in record.phones if phone in phones_found]
    if same_phone:
        reasons.append(Reason(ReasonKind.PHONE, _("same phone %(phone)s") % {"phone": _national(same_phone[0])}))
    name_score = 0.0
    similarity = name_similarity(name_parts(typed.unit_name), name_parts(customer.unit_name)) if record.key else None
    if similarity is not None and not apart[0]:
        if similarity.same_key:
            name_score = 1.0
            reasons.append(Reason(ReasonKind.SAME_NAME, _("same name: %(key)s") % {"key": customer.name_key}))
        elif similarity.score >= SIMILAR_NAME:
            name_score = similarity.score
            reasons.append(
                Reason(
                    ReasonKind.SIMILAR_NAME,
                    _("name similar %(score).2f: %(key)s") % {"score": similarity.score, "key": customer.name_key},
                )
            )
    same_address = bool(record.address) and record.address == customer.address_key and not apart[0]
    if same_address:
        reasons.append(Reason(ReasonKind.ADDRESS, _("same address: %(address)s") % {"address": record.address}))
    if not reasons:
        return None
    if same_phone:
        score = 1.0
    elif name_score and same_address:
        score = min(1.0, name_score + ADDRESS_BONUS)
    else:
        score = name_score or ADDRESS_ALONE
    duplicate = bool(same_phone) or name_score == 1.0 or (name_score > 0 and same_address)
    holder, holder_name = _holder(customer, user)
    in_scope = bool(getattr(customer, "in_scope", False))
    name_matched = any(reason.kind in (ReasonKind.SAME_NAME, ReasonKind.SIMILAR_NAME) for reason in reasons)
    return Candidate(
        strength=Strength.DUPLICATE if duplicate else Strength.POSSIBLE,
        score=round(score, 2),
        reasons=tuple(reasons),
        customer=customer if in_scope else None,
        unit_name=customer.unit_name if in_scope or name_matched else "",
        holder=holder,
        holder_name=holder_name,
    )


def _ranked(candidates: Iterable[Candidate], limit: int) -> list[Candidate]:
    ordered = sorted(candidates, key=lambda c: (not c.is_duplicate, -c.score))
    return ordered[:limit]


def find_duplicates(
    *,
    user: User,
    unit_name: str = "",
    phones: Sequence[str] = (),
    address: str = "",
    district: str = "",
    exclude_pk: int | None = None,
    limit: int = SHOWN,
) -> list[Candidate]:
    """The registered customers the typed record may be, duplicates first, then by score; at most ``limit``.
    Two queries (the contacts with a typed phone, the candidates), one without a phone, whatever the number
    of customers."""
    typed = Typed(
        unit_name=unit_name or "", phones=tuple(p for p in phones if p), address=address or "", district=district or ""
    )
    record = _prepare(typed)
    if not (record.phones or record.key or record.address):
        return []
    contact_phones = _contact_phones(set(record.phones))
    customers = list(
        _candidates([record], user=user, contact_customers=contact_phones, exclude_pk=exclude_pk, limit=CANDIDATES)
    )
    judged = (
        _judge(record, customer, contact_phones.get(customer.id, set()) | {customer.phone_text}, user)
        for customer in customers
    )
    return _ranked((candidate for candidate in judged if candidate is not None), limit)


def find_duplicates_for_rows(
    *,
    user: User,
    rows: Sequence[Typed],
    limit: int = SHOWN,
    among: Sequence[int] | None = None,
) -> list[list[Candidate]]:
    """``find_duplicates`` for a batch of records (an import's batch, a call list): the candidates of each
    row, in the rows' order. Two queries per batch, whatever its size; the customers sharing a phone with a
    row are scored against it, and of those sharing its name key, name head or address key the
    ``BATCH_CANDIDATES`` closest. ``among``: only these customers (an import's commit checks again only the
    customers registered or changed since its dry run: ``customers_changed_between``); none, no query."""
    if among is not None and not among:
        return [[] for _row in rows]
    records = [_prepare(row) for row in rows]
    if not any(record.phones or record.key or record.address for record in records):
        return [[] for _row in rows]
    contact_phones = _contact_phones({p for r in records for p in r.phones})
    customers = list(
        _candidates(
            records,
            user=user,
            contact_customers=contact_phones,
            exclude_pk=None,
            limit=0,
            among=among,
        )
    )
    phones_of = {c.id: contact_phones.get(c.id, set()) | {c.phone_text} for c in customers}
    characters_of = {c.id: set(c.name_key) for c in customers}
    by_phone: dict[str, list[Customer]] = {}
    by_key: dict[str, list[Customer]] = {}
    for customer in customers:
        for phone in phones_of[customer.id]:
            by_phone.setdefault(phone, []).append(customer)
        for value in {customer.name_key, name_head(customer.name_key), customer.address_key}:
            if value:
                by_key.setdefault(value, []).append(customer)
    answers = []
    for record in records:
        related = {
            customer.id: customer
            for value in (record.key, record.head, record.address)
            if value
            for customer in by_key.get(value, [])
        }
        if len(related) > BATCH_CANDIDATES:
            # As ``_closeness`` in SQL: the same name or address first, then the most characters shared.
            characters = set(record.key)
            closest = heapq.nsmallest(
                BATCH_CANDIDATES,
                related.values(),
                key=lambda c: (
                    c.name_key != record.key,
                    not record.address or c.address_key != record.address,
                    -len(characters & characters_of[c.id]),
                    -c.id,
                ),
            )
            related = {customer.id: customer for customer in closest}
        related.update({customer.id: customer for phone in record.phones for customer in by_phone.get(phone, [])})
        judged = (_judge(record, customer, phones_of[customer.id], user) for customer in related.values())
        answers.append(_ranked((candidate for candidate in judged if candidate is not None), limit))
    return answers


def customers_changed_between(since: datetime, until: datetime) -> list[int]:
    """The customers registered or changed since ``since`` and registered before ``until``: what an import's
    commit checks its rows against again (the others were checked by its dry run; those after ``until`` are
    the ones it is writing itself). Usually a handful."""
    return list(
        Customer.objects.filter(Q(created_at__gte=since) | Q(updated_at__gte=since), created_at__lt=until)
        .order_by()
        .values_list("pk", flat=True)
    )


def registered_phones(phones: set[str], *, among: Sequence[int] | None = None) -> set[str]:
    """Which of these normalised phones already belong to a customer, as its phone or a contact's (a call
    list's numbers are checked by phone only). Two queries, none without phones. ``among``: only these
    customers (see ``find_duplicates_for_rows``)."""
    if not phones or (among is not None and not among):
        return set()
    customers = Customer.objects.all() if among is None else Customer.objects.filter(pk__in=list(among))
    # Compared as the stored text (E.164 on both sides): a PhoneNumber parsed per value would cost more.
    found = set(
        customers.annotate(phone_text=Cast("phone", TextField()))
        .filter(phone__in=[stored_phone(phone) for phone in phones])
        .values_list("phone_text", flat=True)
    )
    contacts = _contact_phones(phones)
    if among is not None:
        kept = set(among)
        contacts = {pk: numbers for pk, numbers in contacts.items() if pk in kept}
    for numbers in contacts.values():
        found |= numbers
    return found
