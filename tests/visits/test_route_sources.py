"""Today's route shows the inquiries routed to the salesperson (campaigns registers them as a route
source; visits never imports campaigns), and no code may hide a broken query by catching FieldError."""

import ast
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from campaigns.models import PhoneInquiry
from campaigns.services import mark_inquiry_visited, register_phone_inquiry
from visits.models import Visit
from visits.selectors import ROUTE_SOURCES, route_candidates
from visits.services import VISIT_FOLLOWERS, record_visit

APPS = ("accounts", "campaigns", "crm", "performance", "territories", "visits")


def test_a_routed_inquiry_reaches_todays_route_of_the_territorys_salesperson(people, owned_tree):
    inquiry = register_phone_inquiry(
        entered_by=people.info1,
        data={
            "phone": "13800004444",
            "caller_name": "李先生",
            "unit_name": "南山物流",
            "district": "南山区",
            "business_type": "物流运输",
            "topic": "车队保险",
        },
    )

    candidates = route_candidates(salesperson=people.sales2, day=timezone.localdate())

    assert inquiry.salesperson == people.sales2
    assert [(c.customer.pk, c.reason) for c in candidates] == [(inquiry.customer_id, "inquiry")]
    assert route_candidates(salesperson=people.sales1, day=timezone.localdate()) == []

    mark_inquiry_visited(inquiry=inquiry)
    assert route_candidates(salesperson=people.sales2, day=timezone.localdate()) == []


def test_visiting_the_caller_marks_the_inquiry_visited_and_takes_it_off_the_route(people, owned_tree):
    """The hand-over call → visit: the salesperson logs a visit to the caller (any door: the form, the API
    and offline sync all call record_visit); the inquiry is visited, with that visit, and no longer due."""
    inquiry = register_phone_inquiry(
        entered_by=people.info1,
        data={
            "phone": "13800005555",
            "caller_name": "周先生",
            "unit_name": "南山货运",
            "district": "南山区",
            "business_type": "物流运输",
            "topic": "车队保险",
        },
    )
    other = register_phone_inquiry(
        entered_by=people.info1,
        data={
            "phone": "13800006666",
            "caller_name": "吴女士",
            "unit_name": "南山快运",
            "district": "南山区",
            "business_type": "物流运输",
            "topic": "报价",
        },
    )

    visit = record_visit(salesperson=people.sales2, customer_id=inquiry.customer_id, notes="见了老板")
    replay = record_visit(
        salesperson=people.sales2, customer_id=inquiry.customer_id, kind=Visit.Kind.SECOND, notes="再访"
    )

    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.visit_id) == ("visited", visit.pk)
    assert inquiry.visited_at == visit.visited_at
    assert PhoneInquiry.objects.get(pk=other.pk).status == "assigned"
    assert [c.customer.pk for c in route_candidates(salesperson=people.sales2, day=timezone.localdate())] == [
        other.customer_id
    ]
    assert replay.pk != visit.pk
    assert PhoneInquiry.objects.get(pk=inquiry.pk).visit_id == visit.pk  # the first visit stays the one


def test_campaigns_registers_the_inquiries_as_a_route_source_and_a_visit_follower():
    assert [(source.name, source.urgency) for source in ROUTE_SOURCES.values()] == [("inquiry", 1)]
    # visits follows its own visits too: one logged after the forms went in amends them
    assert list(VISIT_FOLLOWERS) == ["form_amendments", "phone_inquiries", "churn_risks"]


def _caught_names(handler: ast.ExceptHandler) -> set[str]:
    if handler.type is None:
        return {"BaseException"}
    caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return {node.id if isinstance(node, ast.Name) else getattr(node, "attr", "") for node in caught}


def test_no_code_swallows_a_field_error():
    """A query on a field that does not exist must fail loudly (in tests first), never read as empty:
    no handler names FieldError; no read module (selectors, querysets) catches everything; no app looks
    another's models up by name (a higher app registers with the lower one instead)."""
    offenders = []
    for app in APPS:
        for path in sorted((Path(settings.BASE_DIR) / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            where = str(path.relative_to(settings.BASE_DIR))
            source = path.read_text(encoding="utf-8")
            reads = path.name.startswith("selectors") or path.name == "querysets.py"
            for node in ast.walk(ast.parse(source)):
                if not isinstance(node, ast.ExceptHandler):
                    continue
                names = _caught_names(node)
                if "FieldError" in names or (reads and names & {"Exception", "BaseException"}):
                    offenders.append(f"{where}:{node.lineno}")
            if "get_model(" in source:
                offenders.append(f"{where}: model looked up by name")

    assert offenders == []


def test_the_guard_finds_a_swallowed_field_error():
    handler = ast.parse("try:\n    pass\nexcept (LookupError, FieldError):\n    pass\n").body[0].handlers[0]

    assert "FieldError" in _caught_names(handler)
