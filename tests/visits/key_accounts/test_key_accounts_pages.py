"""Key-account pages and API: visibility per role, fixed query counts, export, the won seam."""

import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from crm.dates import local_today, week_start
from tests.accounts.factories import CustomerFactory
from tests.visits.factories import VisitFactory
from tests.visits.key_accounts.helpers import MONDAY, at
from visits.key_accounts.models import JointVisitRequest, KeyAccountEntry
from visits.models import Visit

pytestmark = pytest.mark.django_db

WEEK = MONDAY.isoformat()


@pytest.fixture
def entry(owned_tree, people):
    customer = CustomerFactory(unit_name="信达物流", territory=owned_tree["nanshan_clubs"], owner=people.sales1)
    return KeyAccountEntry.objects.create(
        week=MONDAY, salesperson=people.sales1, customer=customer, intent="A", obstacles=["trust", "price"]
    )


def many_entries(people, owned_tree, count):
    clubs, smes = owned_tree["nanshan_clubs"], owned_tree["nanshan_smes"]
    for n in range(count):
        owner, territory = (people.sales1, clubs) if n % 2 else (people.sales2, smes)
        customer = CustomerFactory(unit_name=f"批量{n}", territory=territory, owner=owner)
        KeyAccountEntry.objects.create(week=MONDAY, salesperson=owner, customer=customer, obstacles=["price"])
        JointVisitRequest.objects.create(
            customer=customer, salesperson=owner, manager=people.manager1, reason="r", proposed_at=at(MONDAY)
        )


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("sales1", 200),
        ("manager1", 200),
        ("admin", 200),
        ("sales2", 404),
        ("sales3", 404),
        ("manager2", 404),
        ("info1", 404),
    ],
)
def test_entry_page_visibility(who, status, client, people, entry):
    client.force_login(getattr(people, who))
    assert client.get(entry.get_absolute_url()).status_code == status
    response = client.post(reverse("key_accounts:entry_outcome", args=[entry.pk]), {"outcome": "postponed"})
    assert response.status_code == (302 if status == 200 else 404)


@pytest.mark.parametrize(("who", "status"), [("sales1", 200), ("manager1", 403), ("info1", 403)])
def test_my_week_is_for_salespeople(who, status, client, people):
    client.force_login(getattr(people, who))
    assert client.get(reverse("key_accounts:my_week")).status_code == status


@pytest.mark.parametrize(("who", "status"), [("manager1", 200), ("admin", 200), ("sales1", 403), ("info1", 403)])
def test_monday_meeting_is_for_managers(who, status, client, people):
    client.force_login(getattr(people, who))
    assert client.get(reverse("key_accounts:monday_meeting")).status_code == status


def test_my_week_shows_my_entries_only(client, people, entry, owned_tree):
    other = CustomerFactory(unit_name="别人的", territory=owned_tree["nanshan_smes"], owner=people.sales2)
    KeyAccountEntry.objects.create(week=MONDAY, salesperson=people.sales2, customer=other)
    client.force_login(people.sales1)
    response = client.get(reverse("key_accounts:my_week"), {"week": WEEK})
    assert [e.pk for e in response.context["page_obj"]] == [entry.pk]
    assert "信达物流" in response.content.decode()


def test_saving_the_plan_from_the_page(client, people, entry):
    client.force_login(people.sales1)
    response = client.post(
        entry.get_absolute_url(),
        {"obstacles": ["trust"], "prepared_answer": "带案例", "planned_on": "2026-03-11", "version": 1},
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.obstacles, entry.prepared_answer, entry.planned_on.isoformat(), entry.version) == (
        ["trust"],
        "带案例",
        "2026-03-11",
        2,
    )


def test_marking_won_without_the_deals_pages_explains_the_seam(client, people, entry, english):
    client.force_login(people.sales1)
    response = client.post(reverse("key_accounts:entry_outcome", args=[entry.pk]), {"outcome": "won"}, follow=True)
    entry.customer.refresh_from_db()
    assert entry.customer.status == "customer"
    assert "Deals cannot be entered here yet" in response.content.decode()


def test_marking_won_opens_the_deal_form_when_it_exists(client, people, entry, monkeypatch):
    monkeypatch.setattr(
        "visits.key_accounts.services.deal_form_url", lambda *, customer_id: f"/deals/new/?customer={customer_id}"
    )
    client.force_login(people.sales1)
    response = client.post(reverse("key_accounts:entry_outcome", args=[entry.pk]), {"outcome": "won"})
    assert response["Location"] == f"/deals/new/?customer={entry.customer_id}"


def test_monday_meeting_shows_obstacles_and_outcomes(client, people, entry, owned_tree):
    last = CustomerFactory(unit_name="上周", territory=owned_tree["nanshan_clubs"], owner=people.sales1)
    KeyAccountEntry.objects.create(
        week=MONDAY - timedelta(weeks=1), salesperson=people.sales1, customer=last, outcome="won"
    )
    client.force_login(people.manager1)
    response = client.get(reverse("key_accounts:monday_meeting"), {"week": WEEK})
    meeting = response.context["meeting"]
    assert [(code, count) for code, _label, count in meeting.obstacle_counts] == [
        ("price", 1),
        ("coverage", 0),
        ("profit_ratio", 0),
        ("trust", 1),
        ("other", 0),
    ]
    assert (meeting.last_week["entries"], meeting.last_week["won"]) == (1, 1)
    assert [(s.salesperson.username, len(s.entries)) for s in meeting.shortlists] == [("sales1", 1), ("sales2", 0)]


def _shortlist_of_sales1(people, owned_tree, count):
    """``count`` entries of sales1 this week, planned on Monday + n days for n < 4, the rest unplanned; the first
    won, the second lost, the third with its second visit logged."""
    entries = []
    for n in range(count):
        customer = CustomerFactory(unit_name=f"重点{n:02d}", territory=owned_tree["nanshan_clubs"], owner=people.sales1)
        entries.append(
            KeyAccountEntry.objects.create(
                week=MONDAY,
                salesperson=people.sales1,
                customer=customer,
                planned_on=MONDAY + timedelta(days=n) if n < 4 else None,
                outcome={0: "won", 1: "lost"}.get(n, "open"),
            )
        )
    VisitFactory(customer=entries[2].customer, salesperson=people.sales1, kind=Visit.Kind.SECOND, visited_on=MONDAY)
    return entries


def test_the_meeting_shows_each_salespersons_figures_and_first_cards(client, people, owned_tree, entry, monkeypatch):
    # Today is the Thursday of the week: the visits planned Monday to Wednesday are due unless done or closed.
    monkeypatch.setattr("visits.key_accounts.selectors.local_today", lambda: MONDAY + timedelta(days=3))
    shortlist = _shortlist_of_sales1(people, owned_tree, 14)
    client.force_login(people.manager1)

    meeting = client.get(reverse("key_accounts:monday_meeting"), {"week": WEEK}).context["meeting"]

    sales1 = meeting.shortlists[0]
    assert sales1.salesperson == people.sales1
    # 15 entries (the fixture's 信达物流 unplanned, and 14): due = Wednesday's only (Monday won, Tuesday lost,
    # Tuesday's customer… the third entry, planned Wednesday, has its second visit: done).
    assert (sales1.count, sales1.due, sales1.done, sales1.won, sales1.lost) == (15, 1, 1, 1, 1)
    planned = [shortlist[n].pk for n in range(4)]
    assert [e.pk for e in sales1.entries][:4] == planned
    assert len(sales1.entries) == 10
    assert sales1.more == 5
    assert meeting.entry_count == 15
    assert [(s.salesperson.username, s.count, len(s.entries)) for s in meeting.shortlists[1:]] == [("sales2", 0, 0)]


def test_show_more_brings_one_salespersons_whole_shortlist(
    client, people, owned_tree, entry, english, django_assert_max_num_queries
):
    shortlist = _shortlist_of_sales1(people, owned_tree, 14)
    client.force_login(people.manager1)

    page = client.get(reverse("key_accounts:monday_meeting"), {"week": WEEK}).content.decode()
    assert page.count('class="list-group-item"') == 10
    assert f'hx-get="?week={WEEK}&amp;person={people.sales1.pk}"' in page
    assert "Show 5 more" in page

    # The shortlist alone, read by itself: the session, the user, the notification counts and its one query.
    with django_assert_max_num_queries(5):
        response = client.get(
            reverse("key_accounts:monday_meeting"),
            {"week": WEEK, "person": people.sales1.pk},
            headers={"HX-Request": "true"},
        )
    partial = response.content.decode()
    assert response.context["shortlist"].salesperson == people.sales1
    assert partial.lstrip().startswith(
        f'<div class="card border-0 shadow-sm mb-2 shortlist" id="shortlist-{people.sales1.pk}">'
    )
    assert partial.count('class="list-group-item"') == 15
    assert ">Won 1<" in partial and ">Lost 1<" in partial and ">Second visit done 1<" in partial
    assert all(entry.customer.unit_name in partial for entry in shortlist)
    assert "Show" not in partial and "<html" not in partial

    whole = client.get(reverse("key_accounts:monday_meeting"), {"week": WEEK, "person": people.sales1.pk})
    assert whole.content.decode().count('class="list-group-item"') == 15


def test_show_more_of_someone_outside_the_team_is_not_found(client, people, owned_tree, entry):
    client.force_login(people.manager2)
    response = client.get(
        reverse("key_accounts:monday_meeting"),
        {"week": WEEK, "person": people.sales1.pk},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 404
    assert client.get(reverse("key_accounts:monday_meeting"), {"week": WEEK, "person": "x"}).status_code == 400


@pytest.mark.parametrize("count", [5, 50])
def test_meeting_query_count_does_not_grow(count, client, people, owned_tree, django_assert_max_num_queries):
    many_entries(people, owned_tree, count)
    client.force_login(people.manager1)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("key_accounts:monday_meeting"), {"week": WEEK})
    assert response.context["meeting"].entry_count == count


@pytest.mark.parametrize("count", [5, 50])
def test_my_week_and_joint_list_query_counts_do_not_grow(
    count, client, people, owned_tree, django_assert_max_num_queries
):
    many_entries(people, owned_tree, count)
    client.force_login(people.sales1)
    with django_assert_max_num_queries(10):
        client.get(reverse("key_accounts:my_week"), {"week": WEEK})
    with django_assert_max_num_queries(10):
        client.get(reverse("key_accounts:joint_visit_list"))


def test_excel_export_is_formula_safe(client, people, entry):
    KeyAccountEntry.objects.filter(pk=entry.pk).update(prepared_answer="=HYPERLINK(1)")
    client.force_login(people.manager1)
    response = client.get(reverse("key_accounts:monday_meeting_export"), {"week": WEEK})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][1] == "信达物流"
    assert rows[1][5] == "=HYPERLINK(1)"
    assert (sheet.cell(row=2, column=6).data_type, sheet.cell(row=2, column=6).quotePrefix) == ("s", True)


def test_manager2_export_does_not_contain_team_one(client, people, entry):
    client.force_login(people.manager2)
    response = client.get(reverse("key_accounts:monday_meeting_export"), {"week": WEEK})
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    assert len(rows) == 1


def test_joint_visit_round_trip_through_the_pages(client, people, entry, english):
    client.force_login(people.sales1)
    response = client.post(
        reverse("key_accounts:joint_visit_create", args=[entry.customer_id]),
        {
            "entry": entry.pk,
            "mode": "joint",
            "reason": "客户担心服务",
            "proposed_at": "2026-03-11T14:00",
        },
    )
    request = JointVisitRequest.objects.get()
    assert response["Location"] == request.get_absolute_url()
    assert (request.manager, request.entry) == (people.manager1, entry)

    client.force_login(people.manager2)
    assert client.get(request.get_absolute_url()).status_code == 404
    client.force_login(people.manager1)
    assert "客户担心服务" in client.get(request.get_absolute_url()).content.decode()
    client.post(reverse("key_accounts:joint_visit_answer", args=[request.pk]), {"answer": "accept"})
    request.refresh_from_db()
    assert request.status == "accepted"

    client.force_login(people.sales1)
    client.post(reverse("key_accounts:joint_visit_log", args=[request.pk]), {"visited_at": "2026-03-11T14:30"})
    request.refresh_from_db()
    assert (request.status, request.visit.joint_manager) == ("done", people.manager1)


def test_a_salesperson_without_a_manager_is_told(client, people, entry, english):
    people.team_one.manager = None
    people.team_one.save()
    client.force_login(people.sales1)
    url = reverse("key_accounts:joint_visit_create", args=[entry.customer_id])
    response = client.post(url, {"mode": "joint", "reason": "x", "proposed_at": "2026-03-11T14:00"})
    assert "You have no manager to ask" in response.content.decode()
    assert JointVisitRequest.objects.count() == 0


# --- API -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "ids"), [("sales1", 1), ("manager1", 1), ("admin", 1), ("sales2", 0), ("manager2", 0)])
def test_api_lists_entries_within_visibility(who, ids, client, people, entry):
    client.force_login(getattr(people, who))
    data = client.get("/api/key-accounts/", {"week": WEEK}).json()
    assert [row["id"] for row in data["results"]] == ([entry.pk] if ids else [])
    assert client.get(f"/api/key-accounts/{entry.pk}/").status_code == (200 if ids else 404)


def test_api_plan_and_outcome(client, people, entry):
    client.force_login(people.sales1)
    response = client.post(
        f"/api/key-accounts/{entry.pk}/plan/",
        {"version": 1, "prepared_answer": "带案例", "obstacles": ["coverage"]},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert (response.json()["obstacles"], response.json()["version"]) == (["coverage"], 2)
    stale = client.post(f"/api/key-accounts/{entry.pk}/plan/", {"version": 1}, content_type="application/json")
    assert stale.status_code == 409
    won = client.post(f"/api/key-accounts/{entry.pk}/outcome/", {"outcome": "won"}, content_type="application/json")
    assert won.json()["outcome"] == "won"


def test_api_joint_visit_request_to_own_manager_only(client, people, entry, owned_tree):
    client.force_login(people.sales1)
    body = {"customer": entry.customer_id, "reason": "信任", "proposed_at": "2026-03-11T14:00:00+08:00"}
    created = client.post("/api/key-accounts/joint-visits/", body, content_type="application/json")
    assert created.status_code == 201
    assert created.json()["manager"] == people.manager1.pk

    hidden = CustomerFactory(territory=owned_tree["nanshan_smes"], owner=people.sales2)
    refused = client.post(
        "/api/key-accounts/joint-visits/", {**body, "customer": hidden.pk}, content_type="application/json"
    )
    assert refused.status_code == 400

    client.force_login(people.manager2)
    assert client.get("/api/key-accounts/joint-visits/").json()["count"] == 0
    answer = client.post(
        f"/api/key-accounts/joint-visits/{created.json()['id']}/answer/",
        {"answer": "accept"},
        content_type="application/json",
    )
    assert answer.status_code == 404
    client.force_login(people.manager1)
    answer = client.post(
        f"/api/key-accounts/joint-visits/{created.json()['id']}/answer/",
        {"answer": "accept"},
        content_type="application/json",
    )
    assert answer.json()["status"] == "accepted"


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    # These tests read messages in English; the Chinese catalogue is tested where a page is checked in Chinese.
    settings.LANGUAGE_CODE = "en"


def _cards(html: str) -> dict[str, tuple[list[str], bool, bool]]:
    """Each card of My key accounts by customer: its badges, whether it asks for a plan, whether it gives a date."""
    cards = {}
    for card in html.split('<li class="card')[1:]:
        name = re.search(r'<div class="fw-semibold">(?:<span[^>]*>\w</span> )?([^<]+)</div>', card).group(1)
        badges = re.findall(r'<span class="badge text-bg-[^"]*">([^<]+)</span>', card)
        cards[name.strip()] = (badges, "No second visit planned yet" in card, "Second visit:" in card)
    return cards


def test_each_card_of_my_week_says_one_thing(client, people, owned_tree, english):
    """A card never says two contradicting things (issue #21 item 6): a second visit already made is not "Due",
    and a card whose second visit is made, or which is closed, does not ask for one to be planned."""
    today = local_today()
    week = week_start(today)

    def entry(name: str, visited: bool = False, **fields) -> None:
        customer = CustomerFactory(unit_name=name, territory=owned_tree["nanshan_clubs"], owner=people.sales1)
        KeyAccountEntry.objects.create(week=week, salesperson=people.sales1, customer=customer, **fields)
        if visited:
            VisitFactory(salesperson=people.sales1, customer=customer, kind=Visit.Kind.SECOND, visited_at=at(today))

    entry("Due today", planned_on=today)
    entry("Visited as planned", visited=True, planned_on=today)
    entry("Marked done", outcome="second_visit_done", planned_on=today)
    entry("Visited unplanned", visited=True)
    entry("Won unplanned", outcome="won")
    entry("Planned later", planned_on=today + timedelta(days=30))
    entry("Not planned")
    client.force_login(people.sales1)

    cards = _cards(client.get(reverse("key_accounts:my_week")).content.decode())

    assert cards == {
        "Due today": (["Due"], False, True),
        "Visited as planned": (["Second visit done"], False, True),
        "Marked done": (["Second visit done"], False, True),
        "Visited unplanned": (["Second visit done"], False, False),
        "Won unplanned": (["Won"], False, False),
        "Planned later": ([], False, True),
        "Not planned": ([], True, False),
    }
