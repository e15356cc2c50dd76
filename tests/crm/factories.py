import factory
from django.conf import settings

from crm.models import Approval, Delivery, Export, Notification, PendingTask, Team, User


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"团队{n}")
    daily_visit_quota = 6


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = User.Role.SALESPERSON
    last_name = "张"
    first_name = factory.Sequence(lambda n: f"三{n}")
    password = factory.PostGenerationMethodCall("set_password", settings.CRM["DEMO_PASSWORD"])

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class SalespersonFactory(UserFactory):
    role = User.Role.SALESPERSON


class ManagerFactory(UserFactory):
    role = User.Role.MANAGER


class InfoStaffFactory(UserFactory):
    role = User.Role.INFO_STAFF


class AdminFactory(UserFactory):
    role = User.Role.ADMIN
    is_staff = True


class NotificationFactory(factory.django.DjangoModelFactory):
    """An unread in-app notification; ``crm.services.notify``/``notify_many`` also e-mail and push."""

    class Meta:
        model = Notification

    recipient = factory.SubFactory(SalespersonFactory)
    kind = "reminder"
    text = factory.Sequence(lambda n: f"提醒{n}：今天有客户待回访")
    link = ""


class PendingTaskFactory(factory.django.DjangoModelFactory):
    """An unsent task in the outbox (what ``crm.outbox`` writes in the transaction and the relay sends).
    A real task with non-empty arguments: the model refuses empty ``kwargs`` in ``full_clean``."""

    class Meta:
        model = PendingTask

    task = "crm.tasks.ping"
    kwargs = factory.LazyFunction(lambda: {"value": "pong"})


class ApprovalFactory(factory.django.DjangoModelFactory):
    """A pending leave request from a salesperson to a manager (crm.approvals.services.request_approval makes
    them with the kind's own payload; this one is already clean)."""

    class Meta:
        model = Approval

    kind = "leave"
    requester = factory.SubFactory(SalespersonFactory)
    approver = factory.SubFactory(ManagerFactory)
    payload = factory.LazyFunction(lambda: {"start_day": "2026-12-11", "end_day": "2026-12-11", "reason": "看病"})
    summary = "请假 2026-12-11"


class DeliveryFactory(factory.django.DjangoModelFactory):
    """One notification to send by one channel beyond the inbox (crm.notifications)."""

    class Meta:
        model = Delivery

    notification = factory.SubFactory(NotificationFactory)
    channel = Delivery.Channel.EMAIL


class ExportFactory(factory.django.DjangoModelFactory):
    """An export waiting for its worker (no file yet)."""

    class Meta:
        model = Export

    owner = factory.SubFactory(SalespersonFactory)
    kind = "customers"
    label = "客户"
    token = factory.Sequence(lambda n: f"{n:032x}")
    filename = "customers-2026-12-01.xlsx"
