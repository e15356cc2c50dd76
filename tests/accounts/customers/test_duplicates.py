"""The duplicate check (accounts.customers.duplicates): each normalisation rule, the scoring, the lookup's
reasons and visibility, its query count, and the doors that keep the keys up to date."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.customers.duplicates.keys import address_key, name_head, name_parts, whereabouts
from accounts.customers.duplicates.lookup import Holder, Strength, Typed, find_duplicates, find_duplicates_for_rows
from accounts.customers.duplicates.scoring import name_similarity
from accounts.customers.models import Customer
from accounts.customers.selectors import duplicates_for
from accounts.customers.services import refresh_match_keys, register_customer, update_customer
from tests.accounts.factories import ContactFactory, CustomerFactory

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def _language_kept():
    """A request in English leaves English active in this thread: give the next module the language it had."""
    before = translation.get_language()
    yield
    translation.activate(before)


DONE_WHEN_TYPED = "佛山市南海区鸿运汽车销售有限公司"
DONE_WHEN_REGISTERED = "鸿运汽车(南海)"


# --- keys: one rule each -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        # legal forms and branch words at the end
        ("鸿运汽车销售有限公司", "鸿运汽车销售"),
        ("美达五金制品股份有限公司", "美达五金制品"),
        ("恒丰塑料有限责任公司", "恒丰塑料"),
        ("佳宝食品集团", "佳宝食品"),
        ("鑫源家具经营部", "鑫源家具"),
        ("利源五金商行", "利源五金"),
        ("兴业汽修厂", "兴业汽修"),
        ("利源五金店", "利源五金"),
        ("建华汽车配件有限公司禅城分公司", "建华汽车配件"),
        ("维也纳酒店", "维也纳酒店"),  # 酒店 is the trade, its 店 stays
        # places in front: known (with or without suffix), then generic ones
        ("佛山市南海区鸿运汽车销售有限公司", "鸿运汽车销售"),
        ("广东省佛山市顺德区美的生活电器制造有限公司", "美的生活电器制造"),
        ("南海区里水镇金宝来家具", "金宝来家具"),
        ("三水区西南街道恒通物流", "恒通物流"),
        ("湖州市鸿运物流有限公司", "鸿运物流"),
        ("华润万家超市", "华润万家超市"),  # 超市 is no place
        ("城市花园酒店", "城市花园酒店"),
        # places behind, and in brackets
        ("鸿运汽车南海店", "鸿运汽车"),
        ("鸿运汽车(南海)", "鸿运汽车"),
        ("鸿运汽车（佛山市）", "鸿运汽车"),
        ("金宝来家具(里水店)", "金宝来家具"),
        ("腾讯科技(深圳)有限公司", "腾讯科技"),
        ("鸿运(汽车)销售", "鸿运汽车销售"),  # not a place: the brackets go, the words stay
        # a place stays when only trade words would be left
        ("佛山照明有限公司", "佛山照明"),
        ("南海汽车销售有限公司", "南海汽车销售"),
        ("中国银行佛山分行", "中国银行"),
        ("中国平安财产保险股份有限公司佛山分公司", "平安财产保险"),
        # a street in front says where, not who
        ("广东省佛山市禅城区季华五路金盛大酒店", "金盛大酒店"),
        # full-width, traditional characters, spaces and punctuation
        ("ＴＣＬ空调器（中山）有限公司", "tcl空调器"),
        ("佛山市南海區鴻運汽車銷售有限公司", "鸿运汽车销售"),
        ("鸿运 汽车 销售", "鸿运汽车销售"),
        ("佛山市·华兴陶瓷", "华兴陶瓷"),
        ("【信达电子】", "信达电子"),
    ],
)
def test_name_key(typed, key):
    assert name_parts(typed).key == key


def test_name_brand_trade_and_places():
    parts = name_parts(DONE_WHEN_TYPED)

    assert (parts.brand, parts.trades, [place.name for place in parts.places]) == (
        "鸿运",
        ("汽车销售",),
        ["佛山", "南海"],
    )
    assert name_head(parts.key) == name_head("宏运汽车") == "hongyun"


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("广东省佛山市南海区桂城南海大道北十号三楼", "南海大道北10号"),
        ("南海大道北10号", "南海大道北10号"),
        ("佛山南海桂城南海大道北10号", "南海大道北10号"),  # bare places in a row; 南海大道 keeps its 南海
        ("桂城人民路10号", "人民路10号"),  # a town in front goes
        ("佛山大道北10号", "佛山大道北10号"),
        ("南海区桂城街道海八路23号之一", "海八路23号之1"),  # a street's number is its name
        ("汾江中路120号201室", "汾江中路120号"),  # floors and rooms go
        ("汾江中路120", "汾江中路120号"),
        ("佛山市南海区", ""),
    ],
)
def test_address_key(typed, key):
    assert address_key(typed) == key


def test_whereabouts_tell_districts_cities_and_towns_apart():
    nanhai = whereabouts(name=DONE_WHEN_TYPED)

    assert nanhai.apart_from(whereabouts(name=DONE_WHEN_REGISTERED, district="南海区")) == ("", "")
    assert nanhai.apart_from(whereabouts(name="鸿运汽车", district="顺德区")) == ("南海", "顺德")
    assert whereabouts(name="佛山新华书店").apart_from(whereabouts(name="广州新华书店")) == ("佛山", "广州")
    assert whereabouts(name="百信超市大良店", district="顺德区").apart_from(
        whereabouts(name="百信超市容桂店", district="顺德区")
    ) == ("大良", "容桂")
    # The district field wins over a place in the name.
    assert whereabouts(name="福田贸易", district="南山区").apart_from(
        whereabouts(name="福田贸易", district="福田区")
    ) == (
        "南山",
        "福田",
    )


# --- scoring --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "score"),
    [
        (DONE_WHEN_TYPED, DONE_WHEN_REGISTERED, 0.95),  # same brand, compatible trade
        ("鸿运汽车销售有限公司", "佛山鸿运汽车销售", 1.0),  # same key
        ("宏运汽车销售", "鸿运汽车销售", 0.9),  # homophone
        ("安达汽车租赁", "安达租车", 0.95),  # same brand, 租车 a car trade
        ("永兴针识厂", "永兴针织有限公司", 0.85),  # a typo in the trade: an abbreviation of the brand
        ("鸿运汽车销售", "鸿运物流", 0.5),  # one brand, two trades
        ("华发玉器店", "华艺玉器店", 0.3),  # the brand differs
        ("宝马汽车销售", "鸿运汽车销售", 0.0),  # only the trade is shared
        ("单位12", "单位13", 0.38),  # numbers tell apart
    ],
)
def test_name_similarity(first, second, score):
    assert name_similarity(name_parts(first), name_parts(second)).score == score


# --- the lookup -------------------------------------------------------------------------------------


@pytest.fixture
def hongyun(owned_tree, people):
    """鸿运汽车(南海), held by sales3 (outside sales1's scope), with a contact's office phone."""
    customer = CustomerFactory(
        unit_name=DONE_WHEN_REGISTERED,
        district="南海区",
        address="佛山市南海区桂城南海大道北10号",
        territory=owned_tree["futian_clubs"],
        owner=people.sales3,
        phone="+8613800138000",
    )
    ContactFactory(customer=customer, name="陈经理", phone="+8675786281234", mobile="")
    return customer


def test_the_done_when_pair_is_found_with_its_reason(people, hongyun, english):
    [candidate] = find_duplicates(user=people.sales3, unit_name=DONE_WHEN_TYPED, district="南海区")

    assert candidate.customer == hongyun
    assert candidate.strength == Strength.POSSIBLE
    assert candidate.score == 0.95
    assert [str(reason.text) for reason in candidate.reasons] == ["name similar 0.95: 鸿运汽车"]


def test_a_phone_is_found_on_the_customer_and_its_contacts_in_any_format(people, hongyun, english):
    by_mobile = find_duplicates(user=people.admin, phones=["138-0013-8000"])
    by_office = find_duplicates(user=people.admin, phones=["(0757)8628 1234"])
    by_both = find_duplicates(user=people.admin, unit_name="陈生", phones=["+86 757 8628 1234", "13800138000"])

    assert [(c.customer, c.strength, [str(r.text) for r in c.reasons]) for c in by_mobile] == [
        (hongyun, Strength.DUPLICATE, ["same phone 138 0013 8000"])
    ]
    assert [(c.customer, [str(r.text) for r in c.reasons]) for c in by_office] == [
        (hongyun, ["same phone 0757 8628 1234"])
    ]
    assert [c.customer for c in by_both] == [hongyun]


def test_the_same_address_is_a_possible_duplicate_and_a_reason_more(people, hongyun, english):
    [alone] = find_duplicates(user=people.admin, unit_name="老王汽修", address="南海区桂城南海大道北十号二楼")
    [with_name] = find_duplicates(user=people.admin, unit_name="鸿运汽车销售", address="南海大道北10号")

    assert (alone.strength, [r.kind for r in alone.reasons]) == (Strength.POSSIBLE, ["address"])
    assert (with_name.strength, [r.kind for r in with_name.reasons]) == (
        Strength.DUPLICATE,
        ["similar_name", "address"],
    )
    assert str(with_name.reasons[1].text) == "same address: 南海大道北10号"


def test_a_branch_in_another_district_is_no_candidate_unless_a_phone_says_so(people, hongyun):
    assert find_duplicates(user=people.admin, unit_name="鸿运汽车(顺德)", district="顺德区") == []
    [by_phone] = find_duplicates(
        user=people.admin, unit_name="鸿运汽车(顺德)", district="顺德区", phones=["13800138000"]
    )
    assert [r.kind for r in by_phone.reasons] == ["phone"]


def test_outside_the_scope_a_candidate_says_who_holds_it_and_the_name_only_when_it_matched(people, hongyun):
    [by_name] = find_duplicates(user=people.sales1, unit_name=DONE_WHEN_TYPED)
    [by_phone] = find_duplicates(user=people.sales1, phones=["13800138000"])
    [for_info_staff] = find_duplicates(user=people.info1, unit_name="鸿运汽车")

    assert (by_name.customer, by_name.unit_name, by_name.holder, by_name.holder_name) == (
        None,
        DONE_WHEN_REGISTERED,
        Holder.COLLEAGUE,
        str(people.sales3),
    )
    assert (by_phone.customer, by_phone.unit_name, by_phone.holder) == (None, "", Holder.COLLEAGUE)
    assert (for_info_staff.customer, for_info_staff.unit_name) == (None, DONE_WHEN_REGISTERED)
    [own] = find_duplicates(user=people.sales3, phones=["13800138000"])
    assert (own.customer, own.holder) == (hongyun, Holder.YOU)


def test_pooled_and_queued_candidates_say_so(people, owned_tree):
    CustomerFactory(
        unit_name="池中物流有限公司", owner=None, territory=owned_tree["nanshan_clubs"], pooled_at=timezone.now()
    )
    CustomerFactory(unit_name="队列五金有限公司", owner=None, territory=None)

    [pooled] = find_duplicates(user=people.sales1, unit_name="池中物流")
    [queued] = find_duplicates(user=people.sales1, unit_name="队列五金")

    assert (pooled.holder, pooled.unit_name) == (Holder.POOL, "池中物流有限公司")
    assert (queued.holder, queued.unit_name) == (Holder.QUEUE, "队列五金有限公司")


@pytest.mark.parametrize("size", [3, 30])
def test_the_lookup_runs_a_fixed_number_of_queries(people, owned_tree, django_assert_num_queries, size):
    for number in range(size):
        customer = CustomerFactory(
            unit_name=f"鸿运{number}汽车有限公司", territory=owned_tree["futian_clubs"], owner=people.sales3
        )
        ContactFactory(customer=customer, mobile=f"+86139{number:08d}")

    with django_assert_num_queries(2):  # the contacts with the phone, the candidates
        found = find_duplicates(user=people.sales1, unit_name="鸿运汽车", phones=["13900000001"])
    with django_assert_num_queries(1):  # no phone typed: the candidates only
        find_duplicates(user=people.sales1, unit_name="鸿运汽车")
    with django_assert_num_queries(2):  # a batch: the same two queries for every row
        batch = find_duplicates_for_rows(
            user=people.sales1, rows=[Typed(unit_name="鸿运汽车", phones=("13900000001",)), Typed(unit_name="无关")]
        )

    assert found[0].reasons[0].kind == "phone"
    assert batch[0][0].reasons[0].kind == "phone" and batch[1] == []


def test_a_registration_is_refused_only_for_the_same_phone_or_name_in_the_same_place(people, hongyun):
    same_name = duplicates_for(user=people.sales1, unit_name="鸿运汽车有限公司", district="南海区")
    similar = duplicates_for(user=people.sales1, unit_name=DONE_WHEN_TYPED, district="南海区")
    elsewhere = duplicates_for(user=people.sales1, unit_name="鸿运汽车有限公司", district="顺德区")

    assert [(m.reason, m.customer) for m in same_name] == [("name", None)]
    assert similar == [] and elsewhere == []


# --- the doors keep the keys --------------------------------------------------------------------


def test_registration_and_edits_keep_the_keys(people, owned_tree):
    customer = register_customer(
        created_by=people.sales1,
        data={"unit_name": "佛山市鸿運汽車有限公司", "district": "南山区", "address": "南山区科技园一号"},
    )
    assert (customer.name_key, customer.name_head, customer.address_key) == ("鸿运汽车", "hongyun", "科技园1号")

    update_customer(
        customer_id=customer.pk,
        changed_by=people.sales1,
        version=customer.version,
        data={"unit_name": "金宝来家具", "address": ""},
    )

    customer.refresh_from_db()
    assert (customer.name_key, customer.name_head, customer.address_key) == ("金宝来家具", "jinbao", "")


def test_refreshing_the_keys_rewrites_only_stale_ones_and_is_idempotent(people, owned_tree):
    fresh = CustomerFactory(unit_name="鸿运汽车有限公司")
    stale = CustomerFactory(unit_name="金宝来家具")
    Customer.objects.filter(pk=stale.pk).update(name_key="", name_head="")

    assert refresh_match_keys() == 1
    assert refresh_match_keys() == 0
    assert list(Customer.objects.order_by("pk").values_list("name_key", flat=True)) == ["鸿运汽车", "金宝来家具"]
    assert fresh.name_key == "鸿运汽车"


# --- pages and API --------------------------------------------------------------------------------


def test_the_registration_forms_check_shows_candidates_with_their_reasons(client, people, hongyun):
    client.force_login(people.sales3)
    form = client.get(reverse("accounts:customer_create"), **EN).content.decode()

    html = client.get(
        reverse("accounts:customer_duplicates"),
        {"unit_name": DONE_WHEN_TYPED, "district": "南海区", "contact_mobile": "", "address": ""},
        HTTP_HX_REQUEST="true",
        **EN,
    ).content.decode()

    assert 'name="address"' in form and "[name=address]" in form  # the address is checked while typing too
    assert hongyun.get_absolute_url() in html
    assert "possible duplicate" in html and "name similar 0.95: 鸿运汽车" in html and "yours" in html


def test_the_lookup_refuses_input_too_long_with_a_message(client, people):
    client.force_login(people.info1)

    response = client.get(reverse("accounts:customer_duplicates"), {"unit_name": "鸿" * 201}, **EN)

    assert response.status_code == 400
    assert "Ensure this value has at most 200 characters" in response.content.decode()


def test_the_inquiry_desk_shows_candidates_by_unit_name(client, people, hongyun, english):
    client.force_login(people.info1)

    html = client.get(
        reverse("campaigns:inquiry_duplicates"), {"phone": "", "unit_name": "南海鸿运汽车", "district": "南海区"}, **EN
    ).content.decode()

    assert DONE_WHEN_REGISTERED in html and f"held by {people.sales3}" in html
    assert "same name: 鸿运汽车" in html and hongyun.get_absolute_url() not in html


def test_the_api_answers_the_duplicate_check_in_the_callers_scope(client, people, hongyun):
    url = reverse("api:customer-duplicates")
    client.force_login(people.sales1)
    outside = client.get(url, {"unit_name": DONE_WHEN_TYPED, "phone": ["0757-86281234"]}, **EN).json()
    client.force_login(people.sales3)
    inside = client.get(url, {"unit_name": DONE_WHEN_TYPED}, **EN).json()
    too_long = client.get(url, {"district": "区" * 51}, **EN)

    assert outside == [
        {
            "strength": "duplicate",
            "score": 1.0,
            "reasons": [
                {"kind": "phone", "text": "same phone 0757 8628 1234"},
                {"kind": "similar_name", "text": "name similar 0.95: 鸿运汽车"},
            ],
            "id": None,
            "unit_name": DONE_WHEN_REGISTERED,
            "district": None,
            "holder": "colleague",
            "holder_name": str(people.sales3),
        }
    ]
    assert [(c["id"], c["district"], c["holder"]) for c in inside] == [(hongyun.pk, "南海区", "you")]
    assert too_long.status_code == 400


def test_the_command_refreshes_the_keys(people):
    from io import StringIO

    from django.core.management import call_command

    stale = CustomerFactory(unit_name="金宝来家具有限公司")
    Customer.objects.filter(pk=stale.pk).update(name_key="", name_head="")
    out = StringIO()

    call_command("refresh_duplicate_keys", stdout=out)

    assert out.getvalue() == "1 customers' duplicate-check keys rewritten.\n"
    assert Customer.objects.get(pk=stale.pk).name_head == "jinbao"
