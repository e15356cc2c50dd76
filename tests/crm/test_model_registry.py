"""Every model is known to the models it points at once Django has started (the reverse relations are
there). A model imported only from an AppConfig.ready is registered after other apps' models cached their
relations: User had no ``daily_reports`` (seed_scale_visits failed on ``exclude(daily_reports__day=…)``) and
no ``key_account_entries``. Sub-packages' models are imported by their app's models module."""

from __future__ import annotations

from django.apps import apps


def test_every_relation_is_known_from_both_ends():
    missing = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete and field.many_to_one) or field.remote_field.hidden:
                continue
            target = field.related_model
            accessor = field.remote_field.get_accessor_name()
            reverse_names = {
                getattr(related, "get_accessor_name", lambda: None)() for related in target._meta.get_fields()
            }
            if accessor not in reverse_names:
                missing.append(f"{target._meta.label}.{accessor} (from {model._meta.label}.{field.name})")

    assert missing == []
