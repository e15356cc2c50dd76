"""Deals and the ledger: from order issued to payment collected, without losing a cent."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from accounts.deals.models import AppendOnly, Deal, LedgerEntry, RenewalReminder
from accounts.deals.selectors import ledger_of, ledger_summary, overdue_instalments, receivables_by_salesperson
from accounts.deals.services import (
    AlreadyReversed,
    NoSalespersonToCredit,
    NothingToRefund,
    NotReversible,
    Overpayment,
    PriceDiffers,
    create_deal,
    record_call,
    record_delivery,
    record_payment,
    record_refund,
    record_return,
    reverse_entry,
    send_renewal_reminders,
    set_price_agreement,
)
from crm.models import Notification
from territories.services import assign_territory
from tests.accounts.factories import CustomerFactory, ProductFactory

D = Decimal
TODAY = date.today()
ISSUED = TODAY - timedelta(days=40)


@pytest.fixture
def customer(owned_tree, people):
    return CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1, unit_name="南山车行")


@pytest.fixture
def product(db):
    return ProductFactory(name="商业车险", code="motor")


def _deal(customer, product, people, amount="1000.00", **extra):
    return create_deal(
        created_by=people.sales1,
        customer_id=customer.pk,
        product=product,
        number=extra.pop("number", "PDAA2026001"),
        amount=amount,
        issued_on=extra.pop("issued_on", ISSUED),
        **extra,
    )


def test_the_whole_cycle_balances_to_zero(customer, product, people):
    deal = _deal(
        customer,
        product,
        people,
        instalments=[("600.00", ISSUED + timedelta(days=10)), ("400.00", ISSUED + timedelta(days=40))],
    )
    record_delivery(deal_id=deal.pk, delivered_on=ISSUED + timedelta(days=2), recorded_by=people.sales1)
    record_payment(deal_id=deal.pk, amount="600", paid_on=ISSUED + timedelta(days=9), recorded_by=people.sales1)
    deal.refresh_from_db()
    assert deal.status == Deal.Status.PARTIALLY_PAID
    record_payment(deal_id=deal.pk, amount=D("400.00"), paid_on=ISSUED + timedelta(days=30), recorded_by=people.sales1)

    deal.refresh_from_db()
    customer.refresh_from_db()
    assert (deal.status, deal.paid_on, deal.salesperson) == (
        Deal.Status.PAID,
        ISSUED + timedelta(days=30),
        people.sales1,
    )
    assert customer.status == customer.Status.CUSTOMER
    assert [(i.amount, i.collected) for i in deal.instalments.all()] == [
        (D("600.00"), D("600.00")),
        (D("400.00"), D("400.00")),
    ]
    rows = [(e.kind, e.effect, e.balance) for e in ledger_of(customer=customer)]
    assert rows == [
        ("order", D("1000.00"), D("1000.00")),
        ("delivery", D("0.00"), D("1000.00")),
        ("payment", D("-600.00"), D("400.00")),
        ("payment", D("-400.00"), D("0.00")),
    ]
    summary = ledger_summary(customer=customer)
    assert (summary.balance, summary.ordered, summary.collected) == (D("0.00"), D("1000.00"), D("1000.00"))


def test_attribution_follows_the_territory_owner_when_the_order_was_issued(customer, product, people, owned_tree):
    # The customer is held by sales2 now, but the territory is sales1's: the territory wins.
    customer.owner = people.sales2
    customer.save()
    deal = _deal(customer, product, people, issued_on=TODAY)
    assert deal.salesperson == people.sales1
    # Before sales1 took the territory (today) nobody owned it: the holder is credited.
    earlier = _deal(customer, product, people, number="PDAA2026000", issued_on=ISSUED)
    assert earlier.salesperson == people.sales2

    assign_territory(territory=owned_tree["nanshan_clubs"], salesperson=people.sales3, assigned_by=people.admin)
    later = _deal(customer, product, people, number="PDAA2026002", issued_on=TODAY)
    assert later.salesperson == people.sales3
    inquiry = _deal(customer, product, people, number="PDAA2026003", issued_on=TODAY, credited_to=people.sales2)
    assert inquiry.salesperson == people.sales2


def test_a_deal_nobody_can_be_credited_with_is_refused(people, product, owned_tree):
    orphan = CustomerFactory(territory=owned_tree["futian_smes"], owner=None)
    with pytest.raises(NoSalespersonToCredit):
        _deal(orphan, product, people)
    assert Deal.objects.count() == 0


@pytest.mark.parametrize(
    ("amount", "message"),
    [("0", "greater than zero"), ("-5", "greater than zero"), ("1.001", "two decimals"), ("abc", "Enter an amount")],
)
def test_bad_amounts_are_refused_and_nothing_is_stored(customer, product, people, english, amount, message):
    with pytest.raises(ValidationError, match=message):
        _deal(customer, product, people, amount=amount)
    assert (Deal.objects.count(), LedgerEntry.objects.count()) == (0, 0)


def test_dates_out_of_order_are_refused(customer, product, people, english):
    deal = _deal(customer, product, people)
    with pytest.raises(ValidationError, match="before the order was issued"):
        record_delivery(deal_id=deal.pk, delivered_on=ISSUED - timedelta(days=1), recorded_by=people.sales1)
    with pytest.raises(ValidationError, match="before the order was issued"):
        record_payment(deal_id=deal.pk, amount="10", paid_on=ISSUED - timedelta(days=1), recorded_by=people.sales1)
    with pytest.raises(ValidationError, match=r"add up to ¥900\.00, not the deal.s ¥1000\.00"):
        _deal(customer, product, people, number="X2", instalments=[("900", ISSUED)])
    assert LedgerEntry.objects.count() == 1
    deal.refresh_from_db()
    assert deal.delivered_on is None


def test_a_payment_above_the_outstanding_amount_needs_confirmation(customer, product, people, english):
    deal = _deal(customer, product, people)
    record_payment(deal_id=deal.pk, amount="700", paid_on=TODAY, recorded_by=people.sales1)

    with pytest.raises(Overpayment, match=r"¥500.00 is larger than the ¥300.00 outstanding") as caught:
        record_payment(deal_id=deal.pk, amount="500", paid_on=TODAY, recorded_by=people.sales1)
    assert caught.value.extra == {"outstanding": "300.00"}
    assert LedgerEntry.objects.filter(kind="payment").count() == 1

    record_payment(deal_id=deal.pk, amount="500", paid_on=TODAY, recorded_by=people.sales1, confirm_overpayment=True)
    assert ledger_summary(customer=customer).balance == D("-200.00")
    record_refund(deal_id=deal.pk, amount="200", refunded_on=TODAY, recorded_by=people.sales1)
    assert ledger_summary(customer=customer).balance == D("0.00")
    with pytest.raises(NothingToRefund):
        record_refund(deal_id=deal.pk, amount="1", refunded_on=TODAY, recorded_by=people.sales1)


def test_the_same_idempotency_key_creates_one_entry(customer, product, people):
    deal = _deal(customer, product, people, idempotency_key="order-1")
    assert _deal(customer, product, people, idempotency_key="order-1") == deal
    first = record_payment(
        deal_id=deal.pk, amount="100", paid_on=TODAY, recorded_by=people.sales1, idempotency_key="k1"
    )
    again = record_payment(
        deal_id=deal.pk, amount="100", paid_on=TODAY, recorded_by=people.sales1, idempotency_key="k1"
    )
    assert first.pk == again.pk
    assert LedgerEntry.objects.filter(kind="payment").count() == 1


def test_entries_are_append_only_and_corrected_by_reversal(customer, product, people):
    deal = _deal(customer, product, people)
    payment = record_payment(deal_id=deal.pk, amount="1000", paid_on=TODAY, recorded_by=people.sales1)
    payment.note = "changed"
    with pytest.raises(AppendOnly):
        payment.save()
    with pytest.raises(AppendOnly):
        payment.delete()
    with pytest.raises(AppendOnly):
        LedgerEntry.objects.filter(pk=payment.pk).update(amount=1)

    reversal = reverse_entry(entry_id=payment.pk, reversed_by=people.manager1, reason="录错金额")
    deal.refresh_from_db()
    assert (reversal.effect, reversal.reverses, deal.status, deal.paid_on) == (D("1000.00"), payment, "issued", None)
    assert deal.instalments.get().collected == D("0.00")
    with pytest.raises(AlreadyReversed):
        reverse_entry(entry_id=payment.pk, reversed_by=people.manager1, reason="again")
    with pytest.raises(NotReversible):
        reverse_entry(entry_id=reversal.pk, reversed_by=people.manager1, reason="again")
    with pytest.raises(IntegrityError):
        LedgerEntry.objects.create(
            customer=customer,
            kind="payment",
            entry_on=TODAY,
            counts_on=TODAY,
            reverses=payment,
            created_by=people.sales1,
        )


def test_returns_and_monthly_totals(customer, product, people):
    first = _deal(customer, product, people, issued_on=date(TODAY.year - 1, 1, 10))
    record_return(deal_id=first.pk, amount="250", returned_on=date(TODAY.year - 1, 1, 20), recorded_by=people.sales1)
    second = _deal(customer, product, people, number="N2", amount="500", issued_on=date(TODAY.year - 1, 3, 1))
    record_call(customer_id=customer.pk, called_on=date(TODAY.year - 1, 3, 5), recorded_by=people.sales1, note="回访")
    record_return(deal_id=second.pk, amount="500", returned_on=date(TODAY.year - 1, 3, 6), recorded_by=people.sales1)

    summary = ledger_summary(customer=customer)
    assert [(m.month.month, m.volume, m.returns, m.orders) for m in summary.months] == [
        (1, D("1000.00"), D("250.00"), 1),
        (3, D("500.00"), D("500.00"), 1),
    ]
    assert (summary.balance, summary.intervals, summary.average_interval) == (D("750.00"), [50], 50)
    second.refresh_from_db()
    assert second.status == Deal.Status.RETURNED


def test_an_amount_other_than_the_agreed_price_needs_confirmation(customer, product, people):
    set_price_agreement(
        customer_id=customer.pk, product=product, price="980", valid_from=ISSUED, created_by=people.manager1
    )
    with pytest.raises(PriceDiffers) as caught:
        _deal(customer, product, people)
    assert caught.value.extra == {"agreed_price": "980.00"}
    assert _deal(customer, product, people, confirm_price=True).amount == D("1000.00")
    assert _deal(customer, product, people, number="N2", amount="980").amount == D("980.00")


def test_renewal_reminder_fires_once_n_days_before(customer, product, people, settings):
    settings.CRM = {**settings.CRM, "RENEWAL_REMINDER_DAYS": 30}
    renewal = TODAY + timedelta(days=365)
    deal = _deal(customer, product, people, renewal_on=renewal)
    Notification.objects.all().delete()

    assert send_renewal_reminders(day=renewal - timedelta(days=31)) == 0
    assert send_renewal_reminders(day=renewal - timedelta(days=30)) == 1
    assert send_renewal_reminders(day=renewal - timedelta(days=30)) == 0
    assert send_renewal_reminders(day=renewal - timedelta(days=29)) == 0
    reminder = RenewalReminder.objects.get()
    assert (reminder.deal, reminder.recipient, reminder.notified_at is not None) == (deal, people.sales1, True)
    assert list(Notification.objects.values_list("recipient__username", "kind", "link")) == [
        ("sales1", "renewal_due", f"/deals/{deal.pk}/")
    ]


def test_instalment_reminder_and_overdue_receivables(customer, product, people, settings):
    settings.CRM = {**settings.CRM, "INSTALMENT_REMINDER_DAYS": 3}
    deal = _deal(
        customer,
        product,
        people,
        issued_on=TODAY - timedelta(days=20),
        instalments=[("300", TODAY - timedelta(days=5)), ("700", TODAY + timedelta(days=3))],
    )
    Notification.objects.all().delete()
    assert send_renewal_reminders(day=TODAY) == 1
    assert send_renewal_reminders(day=TODAY) == 0
    assert Notification.objects.get().kind == "instalment_due"

    overdue = list(overdue_instalments(user=people.manager1, today=TODAY))
    assert [(i.deal, i.sequence) for i in overdue] == [(deal, 1)]
    teams = receivables_by_salesperson(user=people.manager1, today=TODAY)
    assert [
        (t.team, [(line.salesperson, line.outstanding, line.overdue, line.overdue_count) for line in t.lines])
        for t in teams
    ] == [(people.team_one, [(people.sales1, D("1000.00"), D("300.00"), 1)])]
    assert receivables_by_salesperson(user=people.manager2, today=TODAY) == []
