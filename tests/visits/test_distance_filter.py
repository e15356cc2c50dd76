"""The team list's distance filter (issue #18 item 8): far, near, or no position at all — not "unknown"."""

import pytest

from tests.accounts.factories import CustomerFactory
from tests.visits.factories import VisitFactory


@pytest.fixture
def checked_in(people, owned_tree):
    customer = CustomerFactory(unit_name="顺达汽修厂", territory=owned_tree["nanshan_clubs"])
    return {
        "far": VisitFactory(salesperson=people.sales1, customer=customer, distance_m=1500, far_from_customer=True),
        "near": VisitFactory(salesperson=people.sales1, customer=customer, distance_m=80, far_from_customer=False),
        "no_position": VisitFactory(salesperson=people.sales1, customer=customer, distance_m=None),
    }


def ids(response):
    return sorted(visit.pk for visit in response.context["page_obj"])


def test_the_distance_filter_offers_no_position_and_filters_on_it(client, people, checked_in):
    client.force_login(people.manager1)

    page = client.get("/visits/", HTTP_ACCEPT_LANGUAGE="zh-Hans")
    choices = list(page.context["filter"].form.fields["far"].choices)

    assert [label for _value, label in choices] == ["---------", "距离客户过远", "在客户附近", "无定位"]
    assert "未知" not in page.content.decode()
    assert ids(client.get("/visits/", {"far": "true"})) == [checked_in["far"].pk]
    assert ids(client.get("/visits/", {"far": "false"})) == [checked_in["near"].pk]
    assert ids(client.get("/visits/", {"far": "none"})) == [checked_in["no_position"].pk]
    assert ids(client.get("/visits/", {"far": ""})) == sorted(v.pk for v in checked_in.values())
    # An old or hand-made value is a form error, never a 500, and filters nothing away.
    assert client.get("/visits/", {"far": "unknown"}).status_code == 200
