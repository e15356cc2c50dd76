import factory
from django.utils import timezone

from visits.models import Visit


class VisitFactory(factory.django.DjangoModelFactory):
    """A visit stored directly (no service): for building state. Give salesperson and customer."""

    class Meta:
        model = Visit

    kind = Visit.Kind.FIRST
    visited_at = factory.LazyFunction(timezone.now)
    visited_on = factory.LazyAttribute(lambda visit: timezone.localdate(visit.visited_at))
