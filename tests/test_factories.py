"""Every model of our apps has a factory, and the factory builds a row the model accepts.

The models come from the app registry and the factories from every ``tests/**/factories.py``, so a model
added without a factory fails here, named. The factory of ``Model`` is the one named ``ModelFactory``.
"""

import importlib
from pathlib import Path

import factory
import pytest
from django.apps import apps

OUR_APPS = ("crm", "territories", "accounts", "visits", "campaigns", "performance")
TESTS = Path(__file__).resolve().parent


def our_models() -> list:
    """The concrete models of our apps, without simple_history's Historical* copies."""
    return [
        model
        for label in OUR_APPS
        for model in apps.get_app_config(label).get_models()
        if not model.__name__.startswith("Historical")
    ]


def factory_modules() -> list:
    return [
        importlib.import_module(".".join(path.relative_to(TESTS.parent).with_suffix("").parts))
        for path in sorted(TESTS.rglob("factories.py"))
    ]


def factories_by_model() -> dict:
    """Model → its ``<Model>Factory``, from the factories defined in the factory modules."""
    found = {}
    for module in factory_modules():
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, factory.django.DjangoModelFactory)
                and value.__module__ == module.__name__
                and not value._meta.abstract
            ):
                model = value._meta.get_model_class()
                if value.__name__ == f"{model.__name__}Factory":
                    found[model] = value
    return found


MODELS = our_models()
FACTORIES = factories_by_model()


def model_id(model) -> str:
    return model._meta.label


def test_the_registry_lists_the_models_of_every_app():
    labels = {model._meta.app_label for model in MODELS}
    assert labels == set(OUR_APPS)
    assert "accounts.Deal" in {model_id(model) for model in MODELS}


@pytest.mark.parametrize("model", MODELS, ids=model_id)
def test_every_model_has_a_factory(model):
    assert model in FACTORIES, (
        f"{model._meta.label} has no factory: add {model.__name__}Factory to the factories.py "
        f"next to its tests (tests/<app>/…/factories.py)."
    )


@pytest.mark.parametrize("model", MODELS, ids=model_id)
def test_the_factory_saves_valid_rows(model, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    model_factory = FACTORIES.get(model)
    if model_factory is None:
        pytest.fail(f"{model._meta.label} has no factory (see test_every_model_has_a_factory)")

    # Two rows: a factory whose defaults clash on a unique constraint is no help to the next test.
    rows = [model_factory(), model_factory()]

    assert model._default_manager.filter(pk__in=[row.pk for row in rows]).count() == 2
    for row in rows:
        row.refresh_from_db()
        row.full_clean()


def test_a_ledger_entry_on_a_deal_is_in_the_deal_s_customer_s_ledger_and_stays_as_written(db):
    from accounts.deals.querysets import AppendOnly
    from tests.accounts.deals.factories import DealFactory, LedgerEntryFactory

    deal = DealFactory()
    entry = LedgerEntryFactory(deal=deal)

    assert (entry.customer, entry.kind, entry.effect, entry.counts_on) == (deal.customer, "call", 0, entry.entry_on)
    entry.note = "改写"
    with pytest.raises(AppendOnly):
        entry.save()


def test_related_rows_hang_together(db):
    from tests.visits.factories import FormAmendmentFactory, RouteStopFactory
    from tests.visits.key_accounts.factories import JointVisitRequestFactory, KeyAccountEntryFactory

    amendment = FormAmendmentFactory()
    assert amendment.visit.salesperson == amendment.submission.salesperson
    stop = RouteStopFactory()
    assert (stop.customer.owner, stop.position) == (stop.plan.salesperson, 1)
    assert RouteStopFactory(plan=stop.plan).position == 2
    entry = KeyAccountEntryFactory()
    assert (entry.customer.owner, entry.week.weekday()) == (entry.salesperson, 0)
    request = JointVisitRequestFactory()
    assert request.customer.owner == request.salesperson != request.manager
