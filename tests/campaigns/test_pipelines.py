"""Agent recruitment 代理人加盟 and government tenders 政府招投标 as pipelines: the owner is the channel's person,
stages move one step at a time through one service (history, dates), who sees which (ids), the deadline
reminders (idempotent), the boards' and the morning meeting's counts, bad input, fixed query counts."""

from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from campaigns.pipelines.models import Candidate, CandidateStage, Tender, TenderReminder, TenderStage
from campaigns.pipelines.selectors import pipelines_for_meeting
from campaigns.pipelines.services import (
    StageRefused,
    TerritoryUnowned,
    create_candidate,
    create_tender,
    move_candidate,
    move_tender,
    send_tender_reminders,
)
from crm.models import Notification
from territories.services import assign_territory
from tests.territories.factories import TerritoryFactory, channel_type

TODAY = date(2026, 12, 7)


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


@pytest.fixture
def channels(owned_tree, people):
    """Life-insurance channel: 南山人寿渠道 (sales1), 福田人寿渠道 (sales3). Government tenders: 深圳政府招投标
    (sales2), 福田政府招投标 (sales3), 罗湖政府招投标 (nobody)."""
    life, tenders = channel_type("life-insurance-partners"), channel_type("government-tenders")
    tree = owned_tree
    made = SimpleNamespace(
        nanshan_life=TerritoryFactory(
            name="南山人寿渠道", code="nanshan-life", parent=tree["nanshan"], channel_type=life
        ),
        futian_life=TerritoryFactory(name="福田人寿渠道", code="futian-life", parent=tree["futian"], channel_type=life),
        city_tenders=TerritoryFactory(
            name="深圳政府招投标", code="city-tenders", parent=tree["city"], channel_type=tenders
        ),
        futian_tenders=TerritoryFactory(
            name="福田政府招投标", code="futian-tenders", parent=tree["futian"], channel_type=tenders
        ),
        unowned_tenders=TerritoryFactory(
            name="罗湖政府招投标", code="luohu-tenders", parent=tree["city"], channel_type=tenders
        ),
        tree=tree,
    )
    assign_territory(territory=made.nanshan_life, salesperson=people.sales1, assigned_by=people.admin)
    assign_territory(territory=made.futian_life, salesperson=people.sales3, assigned_by=people.admin)
    assign_territory(territory=made.city_tenders, salesperson=people.sales2, assigned_by=people.admin)
    assign_territory(territory=made.futian_tenders, salesperson=people.sales3, assigned_by=people.admin)
    return made


def _tender(people, territory, *, by=None, **dates):
    values = {
        "announced_on": date(2026, 12, 1),
        "documents_deadline": date(2026, 12, 8),
        "submission_deadline": date(2026, 12, 15),
        "opening_on": date(2026, 12, 16),
        **dates,
    }
    return create_tender(
        created_by=by or people.admin,
        title=f"{territory.name}公务车保险",
        buyer="区机关事务管理局",
        territory=territory,
        amount_estimate=Decimal("380000.50"),
        at=_at(values["announced_on"]),
        **values,
    )


@pytest.fixture
def book(channels, people):
    """Candidates: 甲 (sales1, contacted), 乙 (sales1, signed), 丙 (sales3, interviewed).
    Tenders: 深圳 (sales2, announced), 福田 (sales3, submitted)."""
    day = _at(date(2026, 11, 20))
    jia = create_candidate(
        created_by=people.sales1, name="甲", phone="139 0000 0001", territory=channels.nanshan_life, at=day
    )
    yi = create_candidate(
        created_by=people.sales1, name="乙", phone="13900000002", territory=channels.nanshan_life, at=day
    )
    bing = create_candidate(
        created_by=people.admin, name="丙", phone="13900000003", territory=channels.futian_life, at=day
    )
    move_candidate(
        candidate_id=yi.pk, to_stage=CandidateStage.INTERVIEWED, changed_by=people.sales1, at=_at(date(2026, 11, 25))
    )
    move_candidate(
        candidate_id=yi.pk, to_stage=CandidateStage.SIGNED, changed_by=people.manager1, at=_at(date(2026, 12, 2))
    )
    move_candidate(candidate_id=bing.pk, to_stage=CandidateStage.INTERVIEWED, changed_by=people.sales3, at=day)
    city = _tender(people, channels.city_tenders)
    futian = _tender(
        people,
        channels.futian_tenders,
        submission_deadline=date(2026, 12, 4),
        opening_on=date(2026, 12, 5),
        documents_deadline=date(2026, 12, 3),
    )
    move_tender(
        tender_id=futian.pk, to_stage=TenderStage.DOCUMENTS_BOUGHT, changed_by=people.sales3, at=_at(date(2026, 12, 2))
    )
    move_tender(
        tender_id=futian.pk, to_stage=TenderStage.SUBMITTED, changed_by=people.sales3, at=_at(date(2026, 12, 3))
    )
    return SimpleNamespace(jia=jia, yi=yi, bing=bing, city=city, futian=futian)


# --- owner, stages, history ------------------------------------------------------------------------


def test_a_candidate_belongs_to_the_channel_s_person_with_its_phone_normalised(book, channels, people):
    book.jia.refresh_from_db()
    assert (book.jia.owner, book.jia.phone, book.jia.source_channel.code) == (
        people.sales1,
        "+8613900000001",
        "life-insurance-partners",
    )
    assert book.bing.owner == people.sales3  # created by the admin, owned by the territory's person


def test_the_stages_go_one_step_at_a_time_with_their_dates_and_history(book, people):
    book.yi.refresh_from_db()
    assert (book.yi.stage, book.yi.interviewed_on, book.yi.signed_on, book.yi.licensed_on) == (
        CandidateStage.SIGNED,
        date(2026, 11, 25),
        date(2026, 12, 2),
        None,
    )
    history = [(c.from_stage, c.to_stage, c.changed_by.username) for c in book.yi.stage_changes.all()]
    assert history == [
        ("", "contacted", "sales1"),
        ("contacted", "interviewed", "sales1"),
        ("interviewed", "signed", "manager1"),
    ]


@pytest.mark.parametrize(
    ("stage", "to", "message"),
    [
        (
            "jia",
            CandidateStage.SIGNED,
            "A record at “Contacted” cannot move to “Signed”: stages go one step at a time.",
        ),
        (
            "yi",
            CandidateStage.INTERVIEWED,
            "A record at “Signed” cannot move to “Interviewed”: stages go one step at a time.",
        ),
        ("jia", "hired", "Choose a stage from the list."),
    ],
)
def test_an_illegal_jump_is_refused_with_a_message_and_changes_nothing(book, people, english, stage, to, message):
    candidate = getattr(book, stage)
    before = candidate.stage_changes.count()
    with pytest.raises(StageRefused) as refused:
        move_candidate(candidate_id=candidate.pk, to_stage=to, changed_by=people.sales1)
    assert str(refused.value.message) == message
    assert candidate.stage_changes.count() == before


def test_dropped_needs_a_reason_and_is_final(book, people, english):
    with pytest.raises(ValidationError) as refused:
        move_candidate(candidate_id=book.jia.pk, to_stage=CandidateStage.DROPPED, changed_by=people.sales1, reason="  ")
    assert refused.value.message_dict == {"reason": ["Say why the candidate dropped out."]}
    dropped = move_candidate(
        candidate_id=book.jia.pk,
        to_stage=CandidateStage.DROPPED,
        changed_by=people.sales1,
        reason="去了别家",
        at=_at(TODAY),
    )
    assert (dropped.stage, dropped.drop_reason, dropped.dropped_on) == ("dropped", "去了别家", TODAY)
    with pytest.raises(StageRefused):
        move_candidate(candidate_id=book.jia.pk, to_stage=CandidateStage.INTERVIEWED, changed_by=people.sales1)


def test_a_tender_is_won_only_once_opened_and_lost_with_a_reason(book, people, english):
    with pytest.raises(StageRefused) as refused:
        move_tender(tender_id=book.city.pk, to_stage=TenderStage.WON, changed_by=people.sales2)
    assert str(refused.value.message) == "A record at “Announced” cannot move to “Won”: stages go one step at a time."
    with pytest.raises(ValidationError):
        move_tender(tender_id=book.city.pk, to_stage=TenderStage.LOST, changed_by=people.sales2)
    lost = move_tender(
        tender_id=book.city.pk, to_stage=TenderStage.LOST, changed_by=people.sales2, reason="报价过高", at=_at(TODAY)
    )
    assert (lost.stage, lost.lost_reason, lost.decided_on) == ("lost", "报价过高", TODAY)
    opened = move_tender(tender_id=book.futian.pk, to_stage=TenderStage.OPENED, changed_by=people.sales3, at=_at(TODAY))
    won = move_tender(tender_id=opened.pk, to_stage=TenderStage.WON, changed_by=people.manager2, at=_at(TODAY))
    assert (won.stage, won.opened_on, won.decided_on) == ("won", TODAY, TODAY)
    assert [c.to_stage for c in won.stage_changes.all()] == [
        "announced",
        "documents_bought",
        "submitted",
        "opened",
        "won",
    ]


def test_creating_is_refused_with_a_message(channels, people, english):
    with pytest.raises(ValidationError) as bad_phone:
        create_candidate(created_by=people.sales1, name="丁", phone="1234abcd", territory=channels.nanshan_life)
    assert bad_phone.value.message_dict == {"phone": ["Enter a valid phone number."]}
    with pytest.raises(ValidationError) as not_mine:
        create_candidate(created_by=people.sales1, name="丁", phone="13900000009", territory=channels.futian_life)
    assert not_mine.value.message_dict == {"territory": ["Choose a territory you work in."]}
    with pytest.raises(ValidationError) as wrong_channel:
        _tender(people, channels.nanshan_life)
    assert wrong_channel.value.message_dict == {"territory": ["Choose a territory of the government-tenders channel."]}
    with pytest.raises(TerritoryUnowned):
        _tender(people, channels.unowned_tenders)
    with pytest.raises(ValidationError) as dates:
        _tender(people, channels.city_tenders, documents_deadline=date(2026, 12, 20), opening_on=date(2026, 12, 10))
    assert dates.value.message_dict == {
        "documents_deadline": ["Documents are bought before the submission deadline."],
        "opening_on": ["Bids are opened on or after the submission deadline."],
    }
    with pytest.raises(ValidationError):
        create_tender(
            created_by=people.admin,
            title="x",
            buyer="y",
            territory=channels.city_tenders,
            amount_estimate=Decimal("-1"),
            announced_on=TODAY,
            submission_deadline=TODAY,
        )
    assert (Candidate.objects.count(), Tender.objects.count()) == (0, 0)


# --- who sees what ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "candidates", "tenders"),
    [
        ("sales1", {"jia", "yi"}, set()),
        ("sales2", set(), {"city"}),
        ("sales3", {"bing"}, {"futian"}),
        ("manager1", {"jia", "yi"}, {"city"}),
        ("manager2", {"bing"}, {"futian"}),
        ("admin", {"jia", "yi", "bing"}, {"city", "futian"}),
    ],
)
def test_each_sees_their_own_on_the_pages_and_the_api(client, book, people, who, candidates, tenders):
    user = getattr(people, who)
    client.force_login(user)
    page = client.get(reverse("campaigns:candidate_list"))
    assert {c.pk for c in page.context["page_obj"]} == {getattr(book, name).pk for name in candidates}
    page = client.get(reverse("campaigns:tender_list"))
    assert {t.pk for t in page.context["page_obj"]} == {getattr(book, name).pk for name in tenders}
    api = APIClient()
    api.force_authenticate(user)
    assert {row["id"] for row in api.get("/api/recruits/").json()["results"]} == {
        getattr(book, n).pk for n in candidates
    }
    assert {row["id"] for row in api.get("/api/tenders/").json()["results"]} == {getattr(book, n).pk for n in tenders}
    for name in {"jia", "yi", "bing"} - candidates:
        assert client.get(getattr(book, name).get_absolute_url()).status_code == 404
        assert api.get(f"/api/recruits/{getattr(book, name).pk}/").status_code == 404
    for name in {"city", "futian"} - tenders:
        assert client.get(getattr(book, name).get_absolute_url()).status_code == 404
        assert api.post(f"/api/tenders/{getattr(book, name).pk}/stage/", {"stage": "submitted"}).status_code == 404


def test_info_staff_see_no_pipeline(client, book, people):
    client.force_login(people.info1)
    assert client.get(reverse("campaigns:candidate_list")).status_code == 403
    api = APIClient()
    api.force_authenticate(people.info1)
    assert api.get("/api/tenders/").json()["results"] == []
    assert api.post("/api/tenders/", {}).status_code == 403


# --- pages and API ---------------------------------------------------------------------------------


def test_the_board_counts_each_stage(client, book, people):
    client.force_login(people.admin)
    board = client.get(reverse("campaigns:candidate_list")).context["board"]
    assert [(value, count) for value, _label, count in board.stages] == [
        ("contacted", 1),
        ("interviewed", 1),
        ("signed", 1),
        ("licensed", 0),
        ("first_policy", 0),
        ("dropped", 0),
    ]
    filtered = client.get(reverse("campaigns:candidate_list"), {"stage": "signed"}).context["page_obj"]
    assert [c.pk for c in filtered] == [book.yi.pk]


def test_the_detail_page_moves_the_stage_and_refuses_a_jump(client, book, people, english):
    client.force_login(people.sales1)
    url = book.jia.get_absolute_url()
    refused = client.post(url, {"stage": "licensed"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400
    assert "Select a valid choice." in refused.content.decode()
    no_reason = client.post(url, {"stage": "dropped"}, HTTP_ACCEPT_LANGUAGE="en")
    assert no_reason.status_code == 400
    assert "Say why the candidate dropped out." in no_reason.content.decode()
    assert client.post(url, {"stage": "interviewed"}).status_code == 302
    book.jia.refresh_from_db()
    assert book.jia.stage == "interviewed"


def test_the_create_pages_save_through_the_services(client, channels, people):
    client.force_login(people.sales2)
    response = client.post(
        reverse("campaigns:tender_create"),
        {
            "title": "南山区公务用车保险",
            "buyer": "南山区财政局",
            "territory": channels.city_tenders.pk,
            "amount_estimate": "125000.10",
            "announced_on": "2026-12-01",
            "submission_deadline": "2026-12-20",
        },
    )
    tender = Tender.objects.get()
    assert response.status_code == 302 and response["Location"] == tender.get_absolute_url()
    assert (tender.owner, tender.amount_estimate, tender.stage) == (people.sales2, Decimal("125000.10"), "announced")
    bad = client.post(reverse("campaigns:candidate_create"), {"name": "戊", "phone": "123", "territory": "x"})
    assert bad.status_code == 400 and Candidate.objects.count() == 0


def test_the_api_creates_and_moves_and_answers_bad_input_with_400(book, channels, people, english):
    api = APIClient()
    api.force_authenticate(people.sales1)
    created = api.post(
        "/api/recruits/", {"name": "己", "phone": "13900000010", "territory": channels.nanshan_life.pk}, format="json"
    )
    assert created.status_code == 201
    assert (created.json()["owner"], created.json()["phone"], created.json()["stage"]) == (
        people.sales1.pk,
        "+8613900000010",
        "contacted",
    )
    jump = api.post(
        f"/api/recruits/{book.jia.pk}/stage/", {"stage": "licensed"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert jump.status_code == 400
    assert "cannot move to “Licensed”" in str(jump.json())
    moved = api.post(f"/api/recruits/{book.jia.pk}/stage/", {"stage": "interviewed"}, format="json")
    assert (moved.status_code, moved.json()["stage"]) == (200, "interviewed")
    for body in (
        {"name": "庚", "phone": "13900000011", "territory": channels.futian_life.pk},  # not theirs
        {"name": "庚", "phone": "not a phone", "territory": channels.nanshan_life.pk},
        {"name": "庚", "phone": "13900000011", "territory": "abc"},
        {},
    ):
        assert api.post("/api/recruits/", body, format="json").status_code == 400
    api.force_authenticate(people.sales2)
    for body in (
        {"amount_estimate": "NaN"},
        {"amount_estimate": "-5"},
        {"submission_deadline": "2026-13-40"},
        {"submission_deadline": "2026-11-01"},  # before the announcement
        {"announced_on": "1999-12-31", "submission_deadline": "2000-01-02"},  # before the dates anybody may enter
        {"submission_deadline": "2099-01-01"},  # years ahead
        {"title": "公务\u202e车险"},  # a character that turns the writing direction
        {"amount_estimate": "100000000.01"},  # more than any amount may be
    ):
        payload = {
            "title": "t",
            "buyer": "b",
            "territory": channels.city_tenders.pk,
            "amount_estimate": "1.00",
            "announced_on": "2026-12-01",
            "submission_deadline": "2026-12-20",
            **body,
        }
        assert api.post("/api/tenders/", payload, format="json").status_code == 400
    assert Tender.objects.count() == 2


def test_a_bad_stage_in_the_address_is_a_400(client, people, english):
    client.force_login(people.sales1)
    response = client.get(reverse("campaigns:tender_list"), {"stage": "nonsense"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Choose a stage from the list." in response.content.decode()


# --- reminders -------------------------------------------------------------------------------------


def test_the_reminders_go_once_per_deadline(book, people):
    # Each in the recipient's language: sales2 reads English, sales3 the default (Chinese).
    people.sales2.language = "en"
    people.sales2.save(update_fields=["language"])
    # 2026-12-05: the city tender's documents deadline (12-08) is within 3 days, its submission (12-15) is not;
    # the Futian tender (submitted) opens today.
    assert send_tender_reminders(today=date(2026, 12, 5)) == 2
    assert send_tender_reminders(today=date(2026, 12, 5)) == 0
    assert send_tender_reminders(today=date(2026, 12, 6)) == 0
    notes = set(Notification.objects.filter(kind="tender_deadline").values_list("recipient__username", "text"))
    assert notes == {
        ("sales2", "Tender “深圳政府招投标公务车保险”: Documents purchase deadline on 2026-12-08, in 3 days."),
        ("sales3", "招标项目“福田政府招投标公务车保险”：开标日期就是今天（2026-12-05）。"),
    }
    # Documents bought: the documents deadline no longer matters; the submission deadline does, once.
    move_tender(tender_id=book.city.pk, to_stage=TenderStage.DOCUMENTS_BOUGHT, changed_by=people.sales2)
    assert send_tender_reminders(today=date(2026, 12, 13)) == 1
    assert send_tender_reminders(today=date(2026, 12, 14)) == 0
    # The deadline moved to another day is a new deadline.
    Tender.objects.filter(pk=book.city.pk).update(submission_deadline=date(2026, 12, 16))
    assert send_tender_reminders(today=date(2026, 12, 14)) == 1
    assert TenderReminder.objects.count() == Notification.objects.filter(kind="tender_deadline").count() == 4


def test_the_reminders_skip_deadlines_passed_and_stages_passed(book, people):
    # 12-07: the Futian tender's opening (12-05) is past; the city's documents deadline (12-08) is ahead.
    assert send_tender_reminders(today=TODAY) == 1
    assert TenderReminder.objects.get().deadline == "documents"
    move_tender(tender_id=book.futian.pk, to_stage=TenderStage.OPENED, changed_by=people.sales3)
    # Opened: nothing of the Futian tender is reminded again, even on a day its opening lay ahead.
    assert send_tender_reminders(today=date(2026, 12, 3)) == 0


def test_the_job_runs_by_hand(book, capsys):
    call_command("send_tender_reminders", "--date", "2026-12-05")
    assert "2 created for 2026-12-05." in capsys.readouterr().out


# --- the morning meeting ---------------------------------------------------------------------------


def test_the_meeting_counts_each_pipeline_and_the_overdue_deadlines(client, book, channels, people, english):
    # One more of team one's: announced, its submission deadline passed.
    late = _tender(
        people, channels.city_tenders, documents_deadline=None, submission_deadline=date(2026, 12, 4), opening_on=None
    )
    meeting = pipelines_for_meeting(viewer=people.manager1, today=TODAY)
    assert [(v, c) for v, _l, c in meeting.recruitment.stages] == [
        ("contacted", 1),
        ("interviewed", 0),
        ("signed", 1),
        ("licensed", 0),
        ("first_policy", 0),
        ("dropped", 0),
    ]
    assert [(v, c) for v, _l, c in meeting.tenders.stages][:3] == [
        ("announced", 2),
        ("documents_bought", 0),
        ("submitted", 0),
    ]
    assert (meeting.tenders.overdue, [t.pk for t in meeting.overdue]) == (1, [late.pk])
    everyone = pipelines_for_meeting(viewer=people.admin, today=TODAY)
    # The Futian tender is submitted and its opening (12-05) passed without a result: overdue too.
    assert (everyone.tenders.overdue, {t.pk for t in everyone.overdue}) == (2, {late.pk, book.futian.pk})
    client.force_login(people.manager1)
    html = client.get(reverse("performance:morning_meeting"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="meeting-pipelines"' in html
    assert f'data-tender="{late.pk}"' in html and f'data-tender="{book.futian.pk}"' not in html


# --- query counts ----------------------------------------------------------------------------------


def _more(people, channels, count):
    for n in range(count):
        create_candidate(
            created_by=people.admin, name=f"候选{n}", phone=f"1390000{n:04d}", territory=channels.nanshan_life
        )
        _tender(people, channels.city_tenders)


@pytest.mark.parametrize("extra", [0, 30])
def test_the_pages_run_a_fixed_number_of_queries(client, book, channels, people, extra, django_assert_num_queries):
    _more(people, channels, extra)
    client.force_login(people.manager1)
    with django_assert_num_queries(6):
        assert client.get(reverse("campaigns:candidate_list")).status_code == 200
    with django_assert_num_queries(6):
        assert client.get(reverse("campaigns:tender_list")).status_code == 200
    with django_assert_num_queries(5):
        assert client.get(book.yi.get_absolute_url()).status_code == 200
    api = APIClient()
    api.force_authenticate(people.manager1)
    with django_assert_num_queries(2):
        assert api.get("/api/recruits/").status_code == 200


# --- a channel territory changing hands --------------------------------------------------------------


def test_open_candidates_and_tenders_follow_their_territory_to_its_new_owner(book, channels, people):
    """The admin reassigns sales1's life-insurance channel to sales2 and sales3's tenders to sales1: what is
    still open goes along (shown in the preview first, written in the handover); a dropped candidate stays
    with the person who worked it."""
    move_candidate(
        candidate_id=book.jia.pk,
        to_stage=CandidateStage.DROPPED,
        changed_by=people.sales1,
        reason="去了别家",
        at=_at(date(2026, 12, 3)),
    )
    from territories.services import preview_reassignment

    preview = preview_reassignment(territory=channels.nanshan_life, to_user=people.sales2)
    life = assign_territory(
        territory=channels.nanshan_life,
        salesperson=people.sales2,
        assigned_by=people.admin,
        confirmed_preview=preview.token,
    )
    tenders = assign_territory(territory=channels.futian_tenders, salesperson=people.sales1, assigned_by=people.admin)

    assert preview.counts["recruit_candidates"] == 1
    assert life.moved["recruit_candidates"] == 1
    assert life.handover.moved["recruit_candidates"] == 1
    assert tenders.moved["tenders"] == 1
    assert dict(Candidate.objects.values_list("name", "owner__username")) == {
        "甲": "sales1",
        "乙": "sales2",
        "丙": "sales3",
    }
    assert dict(Tender.objects.values_list("pk", "owner__username")) == {
        book.city.pk: "sales2",
        book.futian.pk: "sales1",
    }


def test_a_candidate_s_phone_is_shown_as_people_read_it_and_dialled_as_stored(client, book, people):
    client.force_login(people.sales1)

    board = client.get(reverse("campaigns:candidate_list")).content.decode()
    detail = client.get(book.jia.get_absolute_url()).content.decode()

    assert "139 0000 0001" in board and "+8613900000001" not in board
    assert '<a href="tel:+8613900000001">139 0000 0001</a>' in detail
