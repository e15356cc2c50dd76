"""Issue 16 item 11: the weekly assessment 考核 is shown with its evidence: the salesperson on "my month",
the manager on the team's month (attainment page)."""

from datetime import date

import pytest

from visits.models import Assessment

EVIDENCE = [
    {
        "week": "2026-11-16",
        "visits": 7,
        "working_days": 5,
        "rate": "1.40",
        "team_lowest_rate": "1.40",
        "team_highest_rate": "3.00",
    },
    {
        "week": "2026-11-23",
        "visits": 6,
        "working_days": 4,
        "rate": "1.50",
        "team_lowest_rate": "1.50",
        "team_highest_rate": "2.00",
    },
]


@pytest.fixture
def assessments(people):
    return {
        "sales1": Assessment.objects.create(
            salesperson=people.sales1, week=date(2026, 11, 23), consecutive_weeks=2, evidence=EVIDENCE
        ),
        "sales3": Assessment.objects.create(
            salesperson=people.sales3, week=date(2026, 11, 23), consecutive_weeks=2, evidence=EVIDENCE
        ),
        # another month: not on November's pages
        "october": Assessment.objects.create(
            salesperson=people.sales1, week=date(2026, 10, 26), consecutive_weeks=2, evidence=EVIDENCE
        ),
    }


def assessment_card(html: str) -> str:
    start = html.index('id="assessments"')
    return html[start : html.index("</section>", start)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "texts"),
    [
        (
            "en",
            [
                "Assessment",
                "Week of 2026-11-23: the fewest visits per working day present in the team, 2 weeks running.",
                "Working days present",
                "Visits per day",
                "2026-11-16",
                "<td>7</td>",
                "<td>5</td>",
                "1.40",
                "1.40–3.00",
                "1.50–2.00",
            ],
        ),
        (
            "zh-hans",
            ["考核", "2026-11-23 当周：连续 2 周出勤日均拜访量为组内最少。", "出勤工作日", "日均拜访"],
        ),
    ],
)
def test_the_salesperson_sees_their_assessment_with_the_weekly_figures(client, people, assessments, language, texts):
    client.force_login(people.sales1)

    response = client.get("/dashboard/me/?month=2026-11", HTTP_ACCEPT_LANGUAGE=language)

    assert [a.pk for a in response.context["assessments"]] == [assessments["sales1"].pk]
    card = assessment_card(response.content.decode())
    for text in texts:
        assert text in card


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "Not flagged for assessment this month."), ("zh-hans", "本月未被列入考核。")],
)
def test_the_salesperson_not_flagged_is_told_so(client, people, assessments, language, text):
    client.force_login(people.sales2)

    response = client.get("/dashboard/me/?month=2026-11", HTTP_ACCEPT_LANGUAGE=language)

    assert list(response.context["assessments"]) == []
    assert text in assessment_card(response.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "seen"),
    [("manager1", ["sales1"]), ("manager2", ["sales3"]), ("admin", ["sales1", "sales3"])],
)
def test_the_manager_sees_their_teams_assessments_on_the_team_page(client, people, assessments, who, seen):
    client.force_login(getattr(people, who))

    response = client.get("/dashboard/attainment/?month=2026-11", HTTP_ACCEPT_LANGUAGE="en")

    assert sorted(a.salesperson.username for a in response.context["assessments"]) == seen
    card = assessment_card(response.content.decode())
    assert "1.40–3.00" in card
    for username in ("sales1", "sales3"):
        person = getattr(people, username)
        assert (str(person) in card) == (username in seen)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "Nobody in your team was flagged for assessment this month."), ("zh-hans", "本月组内无人被列入考核。")],
)
def test_the_team_page_says_when_nobody_was_flagged(client, people, language, text):
    client.force_login(people.manager1)

    response = client.get("/dashboard/attainment/?month=2026-11", HTTP_ACCEPT_LANGUAGE=language)

    assert text in assessment_card(response.content.decode())


@pytest.mark.django_db
def test_the_pages_query_counts_do_not_grow_with_assessments(client, people):
    from tests.crm.factories import SalespersonFactory

    def count_queries(url, user):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    Assessment.objects.create(salesperson=people.sales1, week=date(2026, 11, 2), consecutive_weeks=2, evidence=EVIDENCE)
    few_team, few_mine = (
        count_queries("/dashboard/attainment/?month=2026-11", people.manager1),
        count_queries("/dashboard/me/?month=2026-11", people.sales1),
    )
    for n, monday in enumerate([date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]):
        Assessment.objects.create(salesperson=people.sales1, week=monday, consecutive_weeks=2, evidence=EVIDENCE)
        extra = SalespersonFactory(username=f"extra{n}", team=people.team_one)
        Assessment.objects.create(salesperson=extra, week=monday, consecutive_weeks=2, evidence=EVIDENCE)

    assert count_queries("/dashboard/attainment/?month=2026-11", people.manager1) == few_team
    assert count_queries("/dashboard/me/?month=2026-11", people.sales1) == few_mine
