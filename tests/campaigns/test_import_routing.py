"""Prospect imports route each row like every other door: district / address and the 行业 column."""

import pytest
from django.urls import reverse

from accounts.customers.models import Customer
from campaigns.services import commit_prospect_import, request_import_check, set_import_mapping, start_prospect_import
from tests.campaigns.test_imports import csv_upload
from tests.territories.factories import channel_type

BODY = (
    "南山运输,张三,13800000101,南山区,,物流运输公司\n"
    "南山车友会,李四,13800000102,南山区,,车友会\n"
    "福田某厂,王五,13800000103,,深圳市福田区某路1号,\n"  # 福田: one owner (福田车友会, sales3)
    "南山花店,赵六,13800000104,南山区,,花店\n"  # 南山 has two owners, 花店 no channel: the queue
    "宝安五金,钱七,13800000105,宝安区,,五金\n"  # no territory: the queue
    "福田企业,孙八,13800000106,福田区,,中小企业\n"  # 福田中小企业 has no owner: the queue
)


@pytest.mark.django_db
def test_the_dry_run_counts_the_rows_that_route_nowhere_and_the_commit_routes_every_row(client, people, owned_tree):
    prospect_import = start_prospect_import(created_by=people.info1, uploaded_file=csv_upload(BODY))
    assert prospect_import.mapping["business_type"] == 5  # 行业, changeable in the dry run's mapping

    checked = request_import_check(prospect_import=prospect_import)
    client.force_login(people.info1)
    page = client.get(reverse("campaigns:import_detail", args=[prospect_import.pk]))
    created = commit_prospect_import(import_id=prospect_import.pk)

    assert (checked.valid_rows, checked.queued_rows) == (6, 3)
    assert '<dd class="col-4 text-end" id="queued-rows">3</dd>' in page.content.decode()
    assert created == 6
    placed = {
        c.unit_name: (
            c.territory and c.territory.code,
            c.owner and c.owner.username,
            c.channel_type and c.channel_type.code,
        )
        for c in Customer.objects.select_related("territory", "owner", "channel_type")
    }
    assert placed == {
        "南山运输": ("nanshan-smes", "sales2", "smes"),
        "南山车友会": ("nanshan-clubs", "sales1", "car-clubs"),
        "福田某厂": ("futian-clubs", "sales3", None),
        "南山花店": (None, None, None),
        "宝安五金": (None, None, None),
        "福田企业": (None, None, "smes"),
    }
    client.force_login(people.sales2)
    assert [c.unit_name for c in client.get(reverse("accounts:customer_list")).context["page"].object_list] == [
        "南山运输"
    ]
    client.force_login(people.manager1)
    queue = client.get(reverse("accounts:customer_unassigned")).context["page"].object_list
    assert sorted(c.unit_name for c in queue) == ["南山花店", "宝安五金", "福田企业"]


@pytest.mark.django_db
def test_without_the_business_column_mapped_rows_route_by_district_only(people, owned_tree):
    prospect_import = start_prospect_import(created_by=people.info1, uploaded_file=csv_upload(BODY))
    mapping = {key: index for key, index in prospect_import.mapping.items() if key != "business_type"}
    set_import_mapping(prospect_import=prospect_import, mapping=mapping)

    checked = request_import_check(prospect_import=prospect_import)

    # 南山 rows cannot be placed without the channel: 3 of them, 宝安; 福田 rows go to its only owner.
    assert (checked.valid_rows, checked.queued_rows) == (6, 4)
    assert channel_type("smes").keywords[:1] == ["中小企业"]
