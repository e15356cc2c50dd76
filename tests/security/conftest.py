"""Shared by the security tests: one signed-in client per role."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from crm.models import User
from tests.roles import ROLE_USERS, Role
from tests.territories.fixtures import owned_tree, tree  # noqa: F401

__all__ = ["ROLE_USERS", "Role"]


@pytest.fixture
def role_users(people) -> dict[str, User]:
    # In production the admin role is a superuser (seed_demo makes it so); the admin site
    # is only meaningful to test with that.
    people.admin.is_superuser = True
    people.admin.save(update_fields=["is_superuser"])
    return {role: getattr(people, username) for role, username in ROLE_USERS.items()}


@pytest.fixture
def client_as(role_users) -> Callable[..., Client]:
    """client_as(role, **client_kwargs): a fresh client signed in as that role's user."""

    def make(role: str, **client_kwargs) -> Client:
        client = Client(**client_kwargs)
        client.force_login(role_users[role])
        return client

    return make
