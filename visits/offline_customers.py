"""Customers registered on a phone without signal, stored when it syncs.

The phone's quick-registration form queues the customer under an id it generates (``client_id``),
and the visits logged against it name that id (``customer_client_id``) instead of a server id. At
sync time the customer goes through the same door as the online quick registration
(``visits.views.customer_register``): the same form, ``duplicates_for`` in the salesperson's scope,
``register_customer`` with its routing. A receipt (salesperson, client id → customer) makes a resend
answer the same customer, never a second one.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.customers.models import Customer
from accounts.customers.selectors import duplicates_for, routed_elsewhere_message
from accounts.customers.services import register_customer
from crm.errors import ApplicationError
from crm.models import User
from visits.models import OfflineCustomerReceipt


class CustomerSyncStatus:
    REGISTERED = "registered"  # stored now or by an earlier send (``replayed``); the visits follow
    ROUTED_ELSEWHERE = "routed_elsewhere"  # stored, but a colleague's territory (or the queue) holds it
    DUPLICATE = "duplicate"  # already registered in the salesperson's scope: ``existing`` says which
    TAKEN = "taken"  # already registered outside the salesperson's scope: no details
    INVALID = "invalid"


def masked_phone(phone) -> str:
    """Enough of a phone to recognise it on the phone's screen: 138****5678."""
    national = getattr(phone, "national_number", None)
    phone = str(national) if national else str(phone or "")
    if len(phone) < 7:
        return phone
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def routed_elsewhere_text(customer: Customer) -> str:
    # The online door's wording, so both doors say the same thing.
    return routed_elsewhere_message(customer)


def _client_id(raw: object) -> uuid.UUID | None:
    if raw is None or isinstance(raw, bool) or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        return None


def receipt_customer(*, salesperson: User, client_id: object) -> Customer | None:
    """The customer stored for the phone's ``client_id`` (None: not registered yet)."""
    parsed = _client_id(client_id)
    if parsed is None:
        return None
    receipt = (
        OfflineCustomerReceipt.objects.filter(salesperson=salesperson, client_id=parsed)
        .select_related("customer__owner", "customer__territory")
        .first()
    )
    return receipt.customer if receipt else None


def _answer_for(*, salesperson: User, customer: Customer, result: dict, replayed: bool) -> dict:
    if customer.owner_id != salesperson.pk:
        return result | {
            "status": CustomerSyncStatus.ROUTED_ELSEWHERE,
            "customer": customer.pk,
            "customer_name": customer.unit_name,
            "replayed": replayed,
            "messages": [routed_elsewhere_text(customer)],
        }
    return result | {
        "status": CustomerSyncStatus.REGISTERED,
        "customer": customer.pk,
        "customer_name": customer.unit_name,
        "replayed": replayed,
    }


def sync_offline_customer(*, salesperson: User, entry: dict) -> dict:
    """Register one customer queued on the phone; the result tells the phone what became of it."""
    from visits.forms import QuickCustomerForm

    if not isinstance(entry, dict):
        return {"client_id": None, "status": CustomerSyncStatus.INVALID, "messages": [_("Not a customer entry.")]}
    client_id = _client_id(entry.get("client_id"))
    if client_id is None:
        return {
            "client_id": entry.get("client_id") if isinstance(entry.get("client_id"), str) else None,
            "status": CustomerSyncStatus.INVALID,
            "messages": [_("The client id is not a valid UUID.")],
        }
    result: dict = {"client_id": str(client_id)}
    stored = receipt_customer(salesperson=salesperson, client_id=client_id)
    if stored is not None:
        return _answer_for(salesperson=salesperson, customer=stored, result=result, replayed=True)
    fields = {key: entry.get(key) for key in QuickCustomerForm.base_fields}
    if any(value is not None and not isinstance(value, str) for value in fields.values()):
        return result | {"status": CustomerSyncStatus.INVALID, "messages": [_("Give at least the unit name.")]}
    form = QuickCustomerForm({key: value or "" for key, value in fields.items()})
    if not form.is_valid():
        return result | {"status": CustomerSyncStatus.INVALID, "messages": [_("Give at least the unit name.")]}
    data = form.cleaned_data
    matches = duplicates_for(
        user=salesperson, phone=data["mobile"], unit_name=data["unit_name"].strip(), district=data["district"].strip()
    )
    if matches:
        # A send of the same entry may have committed since the receipt was looked for (a phone that
        # retried while the first request still ran): its customer is not a duplicate of this one.
        stored = receipt_customer(salesperson=salesperson, client_id=client_id)
        if stored is not None:
            return _answer_for(salesperson=salesperson, customer=stored, result=result, replayed=True)
        visible = [match.customer for match in matches if match.customer is not None]
        if not visible:
            return result | {
                "status": CustomerSyncStatus.TAKEN,
                "messages": [_("This customer is already registered by a colleague. Ask your manager.")],
            }
        existing = visible[0]
        return result | {
            "status": CustomerSyncStatus.DUPLICATE,
            "existing": {
                "id": existing.pk,
                "name": existing.unit_name,
                "district": existing.district,
                "phone": masked_phone(existing.phone),
                "version": existing.version,
            },
            "messages": [
                _("%(customer)s is already registered (%(district)s). Log your visit against it?")
                % {"customer": existing.unit_name, "district": existing.district or "—"}
            ],
        }
    try:
        with transaction.atomic():
            customer = register_customer(created_by=salesperson, data=form.customer_data(), contacts=form.contacts())
            OfflineCustomerReceipt.objects.create(salesperson=salesperson, client_id=client_id, customer=customer)
    except IntegrityError:
        # The same registration arrived twice at once: the other send stored it (this one's customer
        # was rolled back with its receipt); answer with theirs.
        stored = receipt_customer(salesperson=salesperson, client_id=client_id)
        if stored is None:
            raise
        return _answer_for(salesperson=salesperson, customer=stored, result=result, replayed=True)
    except ValidationError as error:
        return result | {"status": CustomerSyncStatus.INVALID, "messages": error.messages}
    except ApplicationError as error:
        return result | {"status": CustomerSyncStatus.INVALID, "messages": [str(error.message)]}
    return _answer_for(salesperson=salesperson, customer=customer, result=result, replayed=False)
