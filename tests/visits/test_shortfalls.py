"""Explaining and reviewing a shortfall, on the page as people do it."""

from datetime import date

import pytest

from crm.models import Notification
from visits.models import QuotaShortfall

DAY = date(2026, 11, 25)


@pytest.fixture
def shortfalls(people):
    return {
        "sales1": QuotaShortfall.objects.create(salesperson=people.sales1, day=DAY, required=6, actual=2),
        "sales3": QuotaShortfall.objects.create(salesperson=people.sales3, day=DAY, required=6, actual=0),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "seen"),
    [
        ("sales1", ["sales1"]),
        ("sales3", ["sales3"]),
        ("manager1", ["sales1"]),
        ("manager2", ["sales3"]),
        ("admin", ["sales1", "sales3"]),
    ],
)
def test_each_role_sees_its_shortfalls(client, people, shortfalls, who, seen):
    client.force_login(getattr(people, who))

    page = client.get("/visits/shortfalls/").context["page_obj"]

    assert sorted(s.salesperson.username for s in page) == seen


@pytest.mark.django_db
def test_info_staff_cannot_open_shortfalls(client, people, shortfalls):
    client.force_login(people.info1)

    assert client.get("/visits/shortfalls/").status_code == 403


@pytest.mark.django_db
def test_salesperson_explains_and_manager_accepts(client, people, shortfalls):
    shortfall = shortfalls["sales1"]
    client.force_login(people.sales1)

    row = client.post(
        f"/visits/shortfalls/{shortfall.pk}/explain/",
        {"explanation": "上午下大雨，客户都关门了"},
        HTTP_HX_REQUEST="true",
    )

    shortfall.refresh_from_db()
    assert row.status_code == 200
    assert shortfall.status == QuotaShortfall.Review.AWAITING_REVIEW
    assert shortfall.explanation == "上午下大雨，客户都关门了"
    assert Notification.objects.get(recipient=people.manager1).kind == "shortfall_explained"

    client.force_login(people.manager1)
    client.post(f"/visits/shortfalls/{shortfall.pk}/review/", {"decision": "accept"}, HTTP_HX_REQUEST="true")

    shortfall.refresh_from_db()
    assert shortfall.status == QuotaShortfall.Review.ACCEPTED
    assert shortfall.reviewed_by == people.manager1
    assert Notification.objects.filter(recipient=people.sales1, kind="shortfall_reviewed").count() == 1


@pytest.mark.django_db
def test_rejecting_needs_a_note_and_changes_nothing_without_one(client, people, shortfalls):
    shortfall = shortfalls["sales1"]
    shortfall.explanation, shortfall.status = "有事", QuotaShortfall.Review.AWAITING_REVIEW
    shortfall.save()
    client.force_login(people.manager1)

    response = client.post(
        f"/visits/shortfalls/{shortfall.pk}/review/",
        {"decision": "reject"},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    shortfall.refresh_from_db()
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#messages"
    assert "请说明驳回的原因。" in response.content.decode()
    assert shortfall.status == QuotaShortfall.Review.AWAITING_REVIEW


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "url"), [("sales2", "explain"), ("manager2", "review"), ("sales3", "explain")])
def test_someone_elses_shortfall_answers_404_and_changes_nothing(client, people, shortfalls, who, url):
    shortfall = shortfalls["sales1"]
    client.force_login(getattr(people, who))

    response = client.post(
        f"/visits/shortfalls/{shortfall.pk}/{url}/", {"explanation": "不是我的", "decision": "accept"}
    )

    shortfall.refresh_from_db()
    assert response.status_code in (403, 404)
    assert shortfall.status == QuotaShortfall.Review.AWAITING_EXPLANATION
    assert shortfall.explanation == ""


@pytest.mark.django_db
def test_a_too_short_explanation_is_refused(client, people, shortfalls, english):
    client.force_login(people.sales1)

    response = client.post(
        f"/visits/shortfalls/{shortfalls['sales1'].pk}/explain/",
        {"explanation": "  "},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert "Please write a few words" in response.content.decode()
    assert QuotaShortfall.objects.get(pk=shortfalls["sales1"].pk).status == "awaiting_explanation"


@pytest.mark.django_db
def test_shortfall_list_query_count_does_not_grow(client, people, django_assert_max_num_queries):
    QuotaShortfall.objects.bulk_create(
        [QuotaShortfall(salesperson=people.sales1, day=date(2026, 10, d), required=6, actual=1) for d in range(1, 26)]
    )
    client.force_login(people.manager1)

    with django_assert_max_num_queries(10):
        response = client.get("/visits/shortfalls/")
    assert len(response.context["page_obj"]) == 25


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("decision", "language", "message"),
    [
        ("", "en", "Choose to accept or to reject."),
        ("later", "en", "Choose to accept or to reject."),
        ("later", "zh-hans", "请选择接受或驳回。"),
    ],
)
def test_a_review_decision_that_is_neither_accept_nor_reject_is_refused(
    client, people, shortfalls, decision, language, message
):
    shortfall = shortfalls["sales1"]
    shortfall.explanation, shortfall.status = "有事", QuotaShortfall.Review.AWAITING_REVIEW
    shortfall.save()
    client.force_login(people.manager1)

    response = client.post(
        f"/visits/shortfalls/{shortfall.pk}/review/",
        {"decision": decision, "note": "理由不充分"},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE=language,
    )

    shortfall.refresh_from_db()
    assert response.status_code == 400
    assert message in response.content.decode()
    assert (shortfall.status, shortfall.reviewed_by, shortfall.review_note) == ("awaiting_review", None, "")
    assert not Notification.objects.filter(kind="shortfall_reviewed").exists()


@pytest.fixture
def withdrawn(people):
    from django.utils import timezone

    return QuotaShortfall.objects.create(
        salesperson=people.sales1,
        day=date(2026, 11, 24),
        required=6,
        actual=2,
        status=QuotaShortfall.Review.WITHDRAWN,
        withdrawn_at=timezone.make_aware(timezone.datetime(2026, 11, 26, 7, 0)),
        withdrawal_reason=QuotaShortfall.Withdrawal.QUOTA_MET,
        counted_at_withdrawal=6,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("en", ["Withdrawn", "Withdrawn on 2026-11-26: the visits counted now meet the quota (6 / 6)."]),
        ("zh-hans", ["已撤销", "2026-11-26 撤销：计入的拜访已达到要求（6 / 6）。"]),
    ],
)
def test_a_withdrawn_shortfall_is_listed_with_when_and_why_and_asks_for_nothing(
    client, people, withdrawn, language, texts
):
    client.force_login(people.sales1)

    html = client.get("/visits/shortfalls/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    row = html[html.index(f'id="shortfall-{withdrawn.pk}"') :]
    row = row[: row.index("</li>")]
    for text in texts:
        assert text in row
    assert "explain/" not in row


@pytest.mark.django_db
def test_a_withdrawn_shortfall_is_not_open_on_my_day(client, people, withdrawn, shortfalls):
    client.force_login(people.sales1)

    response = client.get("/visits/today/")

    # the open one of 25 Nov, not the withdrawn one
    assert [shortfall.day.isoformat() for shortfall in response.context["asks"].shortfalls] == ["2026-11-25"]


@pytest.mark.django_db
def test_explaining_a_withdrawn_shortfall_is_refused(client, people, withdrawn):
    client.force_login(people.sales1)

    response = client.post(
        f"/visits/shortfalls/{withdrawn.pk}/explain/",
        {"explanation": "上午下大雨"},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    withdrawn.refresh_from_db()
    assert response.status_code == 400
    assert "This shortfall was withdrawn: there is nothing to explain." in response.content.decode()
    assert (withdrawn.status, withdrawn.explanation) == ("withdrawn", "")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "This shortfall was withdrawn: there is nothing to review."),
        ("zh-hans", "该拜访量不足已撤销，无需审核。"),
    ],
)
def test_reviewing_a_withdrawn_shortfall_is_refused(client, people, withdrawn, language, message):
    QuotaShortfall.objects.filter(pk=withdrawn.pk).update(explanation="客户不在")
    client.force_login(people.manager1)

    response = client.post(
        f"/visits/shortfalls/{withdrawn.pk}/review/",
        {"decision": "accept"},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE=language,
    )

    withdrawn.refresh_from_db()
    assert response.status_code == 400
    assert message in response.content.decode()
    assert (withdrawn.status, withdrawn.reviewed_by) == ("withdrawn", None)
