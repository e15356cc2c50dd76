import factory
from django.utils import timezone

from territories.models import ChannelType, ProductLine, RoutingRule, Territory, TerritoryAssignment, TerritoryHandover
from territories.services import create_territory
from tests.crm.factories import AdminFactory, SalespersonFactory


def channel_type(code: str) -> ChannelType:
    """One of the channel types the data migration seeds."""
    return ChannelType.objects.get(code=code)


def product_line(code: str) -> ProductLine:
    return ProductLine.objects.get(code=code)


class TerritoryFactory(factory.django.DjangoModelFactory):
    """Builds through the service so that ``path`` and ``depth`` are right."""

    class Meta:
        model = Territory

    # A channel territory below its parent; without a parent only a company (the root) is allowed.
    kind = factory.LazyAttribute(lambda t: Territory.Kind.CHANNEL if t.parent else Territory.Kind.COMPANY)
    name = factory.Sequence(lambda n: f"渠道{n}")
    code = factory.Sequence(lambda n: f"t-{n}")
    parent = None
    product_line = None
    channel_type = None
    districts = factory.LazyFunction(list)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return create_territory(**kwargs)


def build_tree():
    """company → city → two branches (南山, 福田), each with a car-club and an SME channel territory."""
    company = TerritoryFactory(kind=Territory.Kind.COMPANY, name="天安财险", code="company")
    city = TerritoryFactory(kind=Territory.Kind.CITY, name="深圳", code="city", parent=company)
    nanshan = TerritoryFactory(
        kind=Territory.Kind.BRANCH, name="南山网点", code="nanshan", parent=city, districts=["南山区"]
    )
    futian = TerritoryFactory(
        kind=Territory.Kind.BRANCH, name="福田网点", code="futian", parent=city, districts=["福田区"]
    )
    return {
        "company": company,
        "city": city,
        "nanshan": nanshan,
        "futian": futian,
        "nanshan_clubs": TerritoryFactory(
            name="南山车友会", code="nanshan-clubs", parent=nanshan, channel_type=channel_type("car-clubs")
        ),
        "nanshan_smes": TerritoryFactory(
            name="南山中小企业", code="nanshan-smes", parent=nanshan, channel_type=channel_type("smes")
        ),
        "futian_clubs": TerritoryFactory(
            name="福田车友会", code="futian-clubs", parent=futian, channel_type=channel_type("car-clubs")
        ),
        "futian_smes": TerritoryFactory(
            name="福田中小企业", code="futian-smes", parent=futian, channel_type=channel_type("smes")
        ),
    }


class TerritoryAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TerritoryAssignment

    territory = factory.SubFactory(TerritoryFactory)
    salesperson = factory.SubFactory(SalespersonFactory)
    started_at = factory.LazyFunction(timezone.now)


class RoutingRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoutingRule

    territory = factory.SubFactory(TerritoryFactory)
    # A rule matches on a district or a channel type (the check constraint): a district unless given a
    # channel type, so that RoutingRuleFactory(channel_type=…) stays a channel-only rule.
    district = factory.LazyAttribute(lambda rule: "" if rule.channel_type else "南山区")
    channel_type = None
    priority = 100


class ProductLineFactory(factory.django.DjangoModelFactory):
    """A product line; the data migration seeds the real ones (``product_line(code)`` finds them)."""

    class Meta:
        model = ProductLine
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"line-{n}")
    name = factory.Sequence(lambda n: f"产品线{n}")


class ChannelTypeFactory(factory.django.DjangoModelFactory):
    """A channel type; the data migration seeds the real ones (``channel_type(code)`` finds them)."""

    class Meta:
        model = ChannelType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"channel-{n}")
    name = factory.Sequence(lambda n: f"渠道类型{n}")
    keywords = factory.LazyFunction(list)


class TerritoryHandoverFactory(factory.django.DjangoModelFactory):
    """A territory handed from one salesperson to another, with what moved (territories.services writes them)."""

    class Meta:
        model = TerritoryHandover

    territory = factory.SubFactory(TerritoryFactory)
    kind = TerritoryHandover.Kind.REASSIGNED
    from_salesperson = factory.SubFactory(SalespersonFactory)
    to_salesperson = factory.SubFactory(SalespersonFactory)
    changed_by = factory.SubFactory(AdminFactory)
    changed_at = factory.LazyFunction(timezone.now)
    moved = factory.LazyFunction(lambda: {"customers": 2, "open_deals": 1})
