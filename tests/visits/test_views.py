"""The visit pages as people use them: log, rate, submit, lists, export, timeline, forms."""

import io
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from accounts.customers.models import Customer
from tests.accounts.factories import CustomerFactory
from tests.visits.factories import VisitFactory
from visits.models import FormSubmission, Visit


@pytest.fixture
def customers(owned_tree):
    return {
        "sales1": CustomerFactory(unit_name="顺达汽修厂", territory=owned_tree["nanshan_clubs"]),
        "sales2": CustomerFactory(unit_name="南山小企业", territory=owned_tree["nanshan_smes"]),
        "sales3": CustomerFactory(unit_name="福田车友会", territory=owned_tree["futian_clubs"]),
    }


@pytest.fixture
def visits(people, customers):
    return {
        name: VisitFactory(salesperson=getattr(people, name), customer=customers[name])
        for name in ("sales1", "sales2", "sales3")
    }


def visit_post(customer, **extra):
    return {
        "customer": customer.pk,
        "kind": "first",
        "materials": ["company_introduction", "business_card"],
        "talking_points": ["self_introduction", "contact_left"],
        "notes": "老板不在，留了名片",
        "next_step": "下周再访",
        "next_step_on": (timezone.localdate() + timedelta(days=7)).isoformat(),
        "latitude": "22.533100",
        "longitude": "113.930200",
        "accuracy_m": "25",
        "client_id": str(uuid.uuid4()),
        **extra,
    }


def test_the_start_page_shows_todays_visits_to_rate(client, people, visits):
    client.force_login(people.sales1)

    response = client.get("/visits/today/")

    assert response.status_code == 200
    assert [visit.pk for visit in response.context["visits"]] == [visits["sales1"].pk]
    assert response.context["unrated"] == 1
    assert "顺达汽修厂" in response.content.decode()


def test_logging_a_visit_from_the_page(client, people, customers, english):
    client.force_login(people.sales1)
    form = client.get("/visits/new/")
    assert form.status_code == 200

    response = client.post("/visits/new/", visit_post(customers["sales1"]), follow=True)

    visit = Visit.objects.get()
    assert response.redirect_chain == [("/visits/today/", 302)]
    assert (visit.salesperson, visit.customer, visit.accuracy_m) == (people.sales1, customers["sales1"], 25)
    assert visit.materials == ["company_introduction", "business_card"]
    assert "Visit to 顺达汽修厂 logged." in response.content.decode()


def test_a_double_tapped_submit_stores_one_visit(client, people, customers):
    client.force_login(people.sales1)
    data = visit_post(customers["sales1"])

    first = client.post("/visits/new/", data)
    second = client.post("/visits/new/", data)

    assert (first.status_code, second.status_code) == (302, 302)
    assert Visit.objects.count() == 1


def test_a_customer_outside_scope_is_404_and_nothing_is_stored(client, people, customers):
    client.force_login(people.sales1)

    response = client.post("/visits/new/", visit_post(customers["sales3"]))

    assert response.status_code == 404
    assert Visit.objects.count() == 0


def test_an_absurd_position_is_shown_and_nothing_is_stored(client, people, customers, english):
    client.force_login(people.sales1)

    response = client.post("/visits/new/", visit_post(customers["sales1"], latitude="123.4"))

    assert response.status_code == 200
    assert "The position from the phone is not valid" in response.content.decode()
    assert Visit.objects.count() == 0


def test_search_as_you_type_finds_only_visible_customers(client, people, customers):
    CustomerFactory(unit_name="顺达物流", territory=customers["sales3"].territory)
    client.force_login(people.sales1)

    response = client.get("/visits/customers/search/", {"q": "顺达"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert f'value="{customers["sales1"].pk}"' in html
    assert "顺达物流" not in html


def test_registering_a_new_customer_inline_selects_it(client, people, owned_tree):
    client.force_login(people.sales1)

    response = client.post(
        "/visits/customers/new/",
        {"unit_name": "新开的汽修店", "contact_name": "王老板", "mobile": "13912345678", "district": "南山区"},
        HTTP_HX_REQUEST="true",
    )

    customer = Customer.objects.get(unit_name="新开的汽修店")
    assert f'name="customer" value="{customer.pk}" id="customer-{customer.pk}" checked' in response.content.decode()
    assert customer.owner == people.sales1
    assert customer.contacts.get().name == "王老板"


def test_a_mobile_registered_inline_without_a_contact_name_is_kept(client, people, owned_tree):
    client.force_login(people.sales1)

    client.post(
        "/visits/customers/new/",
        {"unit_name": "新开的汽修店", "mobile": "139 1234 5678", "district": "南山区"},
        HTTP_HX_REQUEST="true",
    )

    customer = Customer.objects.get(unit_name="新开的汽修店")
    assert (str(customer.phone), customer.contacts.count()) == ("+8613912345678", 0)


def test_registering_a_duplicate_offers_the_existing_customer(client, people, customers, english):
    client.force_login(people.sales1)

    response = client.post(
        "/visits/customers/new/", {"unit_name": "顺达汽修厂", "district": "南山区"}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    pk = customers["sales1"].pk
    assert "Already registered: pick it below." in html
    assert f'name="customer" value="{pk}" id="customer-{pk}" checked' in html
    assert Customer.objects.filter(unit_name="顺达汽修厂").count() == 1


def test_one_tap_rating(client, people, visits, customers):
    client.force_login(people.sales1)

    response = client.post(
        f"/visits/{visits['sales1'].pk}/rating/",
        {"intent": "B", "obstacles": ["price"], "obstacle_detail": "嫌贵"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    visits["sales1"].refresh_from_db()
    customers["sales1"].refresh_from_db()
    assert (visits["sales1"].intent, visits["sales1"].obstacles, customers["sales1"].intent) == ("B", ["price"], "B")


def test_a_rating_also_updates_how_many_are_left_to_rate_on_my_day(client, people, visits, english):
    VisitFactory(salesperson=people.sales1, customer=visits["sales1"].customer)  # a second visit today
    client.force_login(people.sales1)

    response = client.post(f"/visits/{visits['sales1'].pk}/rating/", {"intent": "A"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert f'id="visit-{visits["sales1"].pk}"' in html
    assert (
        '<h2 class="h6 text-body-secondary" id="day-summary" hx-swap-oob="true">2 visits today · 1 to rate</h2>' in html
    )


def test_rating_someone_elses_visit_is_refused(client, people, visits, english):
    client.force_login(people.sales1)

    hidden = client.post(f"/visits/{visits['sales3'].pk}/rating/", {"intent": "A"}, HTTP_HX_REQUEST="true")
    # sales2's visit to a customer sales1 cannot see: 404; a visit sales1 can see but did not make: 403.
    visible_not_mine = VisitFactory(salesperson=people.sales2, customer=visits["sales1"].customer)
    refused = client.post(f"/visits/{visible_not_mine.pk}/rating/", {"intent": "A"}, HTTP_HX_REQUEST="true")

    assert hidden.status_code == 404
    assert refused.status_code == 403
    assert "You can only rate your own visits." in refused.content.decode()
    assert set(Visit.objects.exclude(intent="").values_list("pk", flat=True)) == set()


def test_a_rating_outside_the_scale_shows_a_message(client, people, visits, english):
    client.force_login(people.sales1)

    response = client.post(f"/visits/{visits['sales1'].pk}/rating/", {"intent": "E"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 400
    assert "The rating must be A, B, C or D." in response.content.decode()


def test_submitting_todays_forms(client, people, visits):
    Visit.objects.update(intent="B")  # the day's visits are rated: the forms can go
    client.force_login(people.sales1)

    response = client.post("/visits/forms/submit/", HTTP_HX_REQUEST="true")
    client.post("/visits/forms/submit/", HTTP_HX_REQUEST="true")

    submission = FormSubmission.objects.get()
    assert response.status_code == 200
    assert (submission.salesperson, submission.visit_count, submission.late) == (people.sales1, 1, False)


def test_the_manager_sees_who_has_and_has_not_submitted(client, people, visits):
    from visits.services import submit_forms

    Visit.objects.update(intent="B")
    submit_forms(salesperson=people.sales1)
    client.force_login(people.manager1)

    response = client.get("/visits/forms/", {"day": timezone.localdate().isoformat()})

    rows = [(p.username, p.submitted_at is not None, p.visits_that_day) for p in response.context["people"]]
    assert rows == [("sales1", True, 1), ("sales2", False, 1)]
    assert response.context["missing"] == 1


# Visibility of the lists, per role: exact ids.


@pytest.mark.parametrize(
    ("who", "url", "seen"),
    [
        ("sales1", "/visits/mine/", ["sales1"]),
        ("sales2", "/visits/mine/", ["sales2"]),
        ("manager1", "/visits/", ["sales1", "sales2"]),
        ("manager2", "/visits/", ["sales3"]),
        ("admin", "/visits/", ["sales1", "sales2", "sales3"]),
    ],
)
def test_each_role_sees_its_visits(client, people, visits, who, url, seen):
    client.force_login(getattr(people, who))

    page = client.get(url).context["page_obj"]

    assert sorted(visit.pk for visit in page) == sorted(visits[name].pk for name in seen)


@pytest.mark.parametrize(("who", "status"), [("sales1", 403), ("info1", 403)])
def test_the_team_list_is_for_managers(client, people, visits, who, status):
    client.force_login(getattr(people, who))

    assert client.get("/visits/").status_code == status


def test_the_team_list_filters(client, people, visits, customers):
    visits["sales2"].intent = "A"
    visits["sales2"].save()
    client.force_login(people.manager1)

    by_intent = client.get("/visits/", {"intent": "A"}).context["page_obj"]
    by_person = client.get("/visits/", {"salesperson": people.sales1.pk}).context["page_obj"]
    by_territory = client.get("/visits/", {"territory": customers["sales1"].territory_id}).context["page_obj"]
    past = client.get("/visits/", {"date_to": (timezone.localdate() - timedelta(days=1)).isoformat()})

    assert [v.pk for v in by_intent] == [visits["sales2"].pk]
    assert [v.pk for v in by_person] == [visits["sales1"].pk]
    assert [v.pk for v in by_territory] == [visits["sales1"].pk]
    assert list(past.context["page_obj"]) == []


@pytest.mark.parametrize("rows", [5, 50])
def test_list_query_count_does_not_grow(client, people, customers, django_assert_max_num_queries, rows):
    VisitFactory.create_batch(rows, salesperson=people.sales1, customer=customers["sales1"])
    client.force_login(people.manager1)

    with django_assert_max_num_queries(9):
        response = client.get("/visits/", {"intent": ""})
    assert response.context["page_obj"].paginator.count == rows
    assert f"{rows} visits" in response.content.decode()


@pytest.mark.parametrize("rows", [5, 60])
def test_the_team_list_counts_up_to_the_cap_in_fixed_queries(
    client, people, customers, monkeypatch, django_assert_num_queries, rows
):
    monkeypatch.setattr("crm.pagination.COUNT_CAP", 30)
    VisitFactory.create_batch(rows, salesperson=people.sales1, customer=customers["sales1"])
    client.force_login(people.manager1)

    # session, user, filter choices (people, territories), capped count, rows, their photos, notifications
    with django_assert_num_queries(8):
        body = client.get("/visits/").content.decode()

    if rows > 30:
        assert "More than 30 visits: narrow the filters (dates, salesperson) to count them." in body
        assert "Page 1<" in body and "page=2" in body
    else:
        assert "5 visits" in body and "Page 1" not in body


def test_past_the_cap_the_team_list_pages_on_to_the_last_visit(client, people, customers, monkeypatch):
    monkeypatch.setattr("crm.pagination.COUNT_CAP", 30)
    VisitFactory.create_batch(60, salesperson=people.sales1, customer=customers["sales1"])
    client.force_login(people.manager1)

    pages = [client.get("/visits/", {"page": number, "salesperson": people.sales1.pk}) for number in (1, 2, 3)]

    seen = [visit.pk for response in pages for visit in response.context["page_obj"]]
    assert sorted(seen) == sorted(Visit.objects.values_list("pk", flat=True))
    assert [response.context["page_obj"].has_next() for response in pages] == [True, True, False]
    last = pages[2].content.decode()
    assert "Page 3<" in last and "page=2" in last and "page=4" not in last
    assert "salesperson=" in last  # the filters stay on the pager's links


def test_customer_timeline_visibility(client, people, visits, customers):
    client.force_login(people.sales1)
    assert client.get(f"/visits/customers/{customers['sales3'].pk}/").status_code == 404

    response = client.get(f"/visits/customers/{customers['sales1'].pk}/")
    assert [v.pk for v in response.context["page_obj"]] == [visits["sales1"].pk]


def test_export_is_formula_safe_and_scoped(client, people, customers, visits):
    VisitFactory(salesperson=people.sales1, customer=customers["sales1"], notes='=HYPERLINK("http://x")')
    client.force_login(people.manager1)

    response = client.get("/visits/export.xlsx")

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + 3  # header + sales1's two visits + sales2's
    formula_like = [
        cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value == '=HYPERLINK("http://x")'
    ]
    assert [(cell.data_type, cell.quotePrefix) for cell in formula_like] == [("s", True)]
    assert {row[3] for row in rows[1:]} == {"顺达汽修厂", "南山小企业"}


def test_the_timeline_tag_for_the_customer_page(rf, people, visits, customers):
    from django.template import Context, Template

    request = rf.get("/")
    request.user = people.manager1
    html = Template("{% load visit_tags %}{% visit_timeline customer %}").render(
        Context({"request": request, "customer": customers["sales1"]})
    )

    assert 'id="visit-timeline"' in html
    assert html.count('<li class="list-group-item">') == 1


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    # These tests read messages in English; the Chinese catalogue is tested where a page is checked in Chinese.
    settings.LANGUAGE_CODE = "en"


def _photographed_visits(people, customers, count: int) -> list:
    from django.core.files.base import ContentFile

    from tests.files import jpeg
    from visits.models import VisitPhoto

    photos = []
    for number in range(count):
        visit = VisitFactory(salesperson=people.sales1, customer=customers["sales1"])
        for colour in ((number, 0, 0), (0, number, 0)):
            photo = VisitPhoto(visit=visit)
            photo.image.save("photo.jpg", ContentFile(jpeg(colour)), save=True)
            photos.append(photo)
    return photos


@pytest.mark.parametrize("url_name", ["customer_page", "timeline_page"])
def test_the_timeline_shows_each_visits_photos_and_they_load(client, people, customers, settings, tmp_path, url_name):
    from tests.files import image_sources

    settings.MEDIA_ROOT = tmp_path
    photos = _photographed_visits(people, customers, 2)
    customer = customers["sales1"]
    url = customer.get_absolute_url() if url_name == "customer_page" else f"/visits/customers/{customer.pk}/"
    client.force_login(people.manager1)

    sources = image_sources(client.get(url).content.decode(), alt="Visit photo")

    # newest visit first, each visit's photos in the order taken; a thumbnail not made yet is the photo itself
    assert sources == [f"/visits/photos/{photo.pk}/thumbnail/" for photo in photos[2:] + photos[:2]]
    for source, photo in zip(sources, photos[2:] + photos[:2], strict=True):
        response = client.get(source)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == photo.image.storage.open(photo.image.name).read()


@pytest.mark.parametrize("visit_count", [1, 6])
def test_the_timeline_with_photos_takes_fixed_queries(
    client, people, customers, settings, tmp_path, django_assert_num_queries, visit_count
):
    settings.MEDIA_ROOT = tmp_path
    _photographed_visits(people, customers, visit_count)
    client.force_login(people.manager1)

    # session, user, customer, count, visits, their photos, notifications
    with django_assert_num_queries(7):
        response = client.get(f"/visits/customers/{customers['sales1'].pk}/")
    assert response.content.decode().count('class="visit-photo rounded"') == 2 * visit_count
