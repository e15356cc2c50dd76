"""The API keeps its own contract: Schemathesis runs every operation of the OpenAPI schema, as the admin
and as a salesperson, on the real test database through the WSGI app, with all its checks.

Marked ``contract`` (its own CI stage); a fixed seed and a bounded number of examples per operation keep
the run the same from one CI run to the next. Every check is on, except ``positive_data_acceptance`` for
writes (see ``_call_and_validate``); the schema document /api/schema/ itself is not tested.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS, knox_settings
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.roles import ROLE_USERS, Role

pytestmark = pytest.mark.contract

SEED = 20261205
MAX_EXAMPLES = 10


def openapi_document() -> dict:
    """The document /api/schema/ serves, as plain JSON."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated, renderer_context={}))


# No NUL characters in generated strings: every address with one is refused with 400 before any view reads
# it (crm.middleware, PostgreSQL cannot store NUL; tested in tests/crm), which the schema cannot say per
# parameter, so a schema-valid string with a NUL would count as "valid data rejected".
CONFIG = schemathesis.Config.from_dict(
    {"seed": SEED, "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "allow-x00": False}}
)
HYPOTHESIS = settings(
    max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
# Fixed token strings, one per role (schemathesis asks for them while collecting); the fixture below stores
# them in each test's database the way knox does, as a digest with the token's first characters as its key.
TOKENS = {Role.ADMIN: "a" * 64, Role.SALESPERSON: "5" * 64}


def _schema_for(role: str):
    """The schema, sending the role's token with every request; the checks then also try the request without
    it and with a made-up one (ignored_auth), which must be refused."""
    # The schema document itself is not an operation of the CRM.
    loaded = schemathesis.openapi.from_dict(openapi_document(), config=CONFIG).exclude(path="/api/schema/")
    loaded.app = get_wsgi_application()

    @loaded.auth()
    class _Token:
        def get(self, case, context):
            return TOKENS[role]

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Token {data}"}

    return loaded


admin_schema = _schema_for(Role.ADMIN)
salesperson_schema = _schema_for(Role.SALESPERSON)


@pytest.fixture
def tokens(people):
    for role, token in TOKENS.items():
        AuthToken(  # not the manager's create(), which makes a random token
            user=getattr(people, ROLE_USERS[role]),
            digest=hash_token(token),
            token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH],
            expiry=timezone.now() + knox_settings.TOKEN_TTL,
        ).save()


def _call_and_validate(case, known_failing: dict[str, str]) -> None:
    # Left out for writes: positive_data_acceptance. A body the schema admits still names other rows by id
    # (customer, product, deal, campaign) that generated data cannot make exist, so "valid data accepted"
    # cannot hold for them; invalid bodies must still be refused (negative_data_rejection stays on).
    excluded = [positive_data_acceptance] if case.method.upper() in ("POST", "PUT", "PATCH") else []
    label = case.operation.label
    if label not in known_failing:
        case.call_and_validate(excluded_checks=excluded)
        return
    try:
        case.call_and_validate(excluded_checks=excluded)
    except FailureGroup:
        pytest.xfail(known_failing[label])


@admin_schema.parametrize()
@HYPOTHESIS
def test_every_operation_keeps_the_contract_as_admin(case, tokens):
    _call_and_validate(case, KNOWN_FAILING_AS_ADMIN)


@salesperson_schema.parametrize()
@HYPOTHESIS
def test_every_operation_keeps_the_contract_as_salesperson(case, tokens):
    _call_and_validate(case, KNOWN_FAILING_AS_SALESPERSON)


# Operations whose remaining finding is understood and left for later: their first failing example marks the
# test xfail (its report says why); any other failure of theirs still fails the run.
KNOWN_FAILING_AS_ADMIN: dict[str, str] = {}
KNOWN_FAILING_AS_SALESPERSON: dict[str, str] = {}
