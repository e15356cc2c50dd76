import factory
from django.utils import timezone

from accounts.customers.duplicates.keys import address_key, name_head, name_key
from accounts.customers.models import Contact, Customer, OwnerChange
from accounts.deals.models import Product
from tests.crm.factories import SalespersonFactory


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    unit_name = factory.Sequence(lambda n: f"客户单位{n}")
    district = "南山区"
    source = Customer.Source.VISIT
    status = Customer.Status.PROSPECT
    phone = factory.Sequence(lambda n: f"+86138{n:08d}")
    last_activity_at = factory.LazyFunction(timezone.now)
    # What the services store for the duplicate check (accounts.customers.services.set_match_keys).
    name_key = factory.LazyAttribute(lambda customer: name_key(customer.unit_name))
    name_head = factory.LazyAttribute(lambda customer: name_head(customer.name_key))
    address_key = factory.LazyAttribute(lambda customer: address_key(getattr(customer, "address", "")))


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")
    title = "经理"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"商业车险{n}")
    code = factory.Sequence(lambda n: f"product-{n}")


class OwnerChangeFactory(factory.django.DjangoModelFactory):
    """A customer handed from nobody to a salesperson by hand; the services write these as they move customers."""

    class Meta:
        model = OwnerChange

    to_owner = factory.SubFactory(SalespersonFactory)
    customer = factory.SubFactory(CustomerFactory, owner=factory.SelfAttribute("..to_owner"))
    kind = OwnerChange.Kind.EDITED
    from_owner = None
    changed_at = factory.LazyFunction(timezone.now)
    reason = "调整负责人"
