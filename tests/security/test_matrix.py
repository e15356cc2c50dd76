"""Function-level authorization: every route x every role, compared with a table.

Every URL pattern must appear in ACCESS (or under an ACCESS_PREFIXES entry): a new page
fails this test until someone decides who may open it. The walk uses made-up object ids,
so a route with an id answers 404 to everyone, including the roles allowed to use it.
"""

from __future__ import annotations

import pytest

from tests.security.conftest import ROLE_USERS, Role
from tests.urlwalk import Route, all_routes

EVERYONE = frozenset(Role.values)
SALESPERSON = frozenset({Role.SALESPERSON, Role.ADMIN})
MANAGER = frozenset({Role.MANAGER, Role.ADMIN})
INQUIRIES = frozenset({Role.INFO_STAFF, Role.MANAGER, Role.ADMIN})
ADMIN = frozenset({Role.ADMIN})
FIELD = frozenset({Role.SALESPERSON, Role.MANAGER, Role.ADMIN})
INFO_STAFF = frozenset({Role.INFO_STAFF, Role.ADMIN})

# Route pattern -> roles that may open it.
ACCESS: dict[str, frozenset[str]] = {
    "": EVERYONE,  # redirects to the role's start page
    "healthz": EVERYONE,
    "login/": EVERYONE,  # a signed-in user is sent to the start page
    # Sign-in with WeCom / DingTalk: public; not configured in the tests, so 404 to everyone.
    "login/wecom/": EVERYONE,
    "login/wecom/done/": EVERYONE,
    "login/dingtalk/": EVERYONE,
    "login/dingtalk/done/": EVERYONE,
    "logout/": EVERYONE,
    "password/": EVERYONE,
    "password/done/": EVERYONE,
    # Two-step verification: anyone signed in may turn it on; the code page sends away who has nothing to verify.
    "mfa/setup/": EVERYONE,
    "mfa/verify/": EVERYONE,
    "i18n/setlang/": EVERYONE,
    # My account: each user's own tokens (a made-up digest answers 404) and signing out everywhere.
    "account/": EVERYONE,
    "account/tokens/<str:digest>/revoke/": EVERYONE,
    "account/sign-out-everywhere/": EVERYONE,
    "api/auth/token/": EVERYONE,
    "api/schema/": ADMIN,
    "api/docs/": ADMIN,
    "visits/today/": SALESPERSON,
    "dashboard/": MANAGER,
    "inquiries/new/": INQUIRIES,
    "territories/": ADMIN,
    # Settings: the admin's home of day-to-day settings and its pages.
    "settings/": ADMIN,
    "settings/teams/": ADMIN,
    "settings/sign-in/": ADMIN,
    "settings/sign-in/<int:pk>/": ADMIN,
    "settings/calendar/": ADMIN,
    "settings/quotas/": ADMIN,
    "settings/quotas/<int:pk>/remove/": EVERYONE,  # POST only; admin only (role_required after require_POST)
    "territories/routing-rules/": ADMIN,
    "dashboard/reward-tiers/": ADMIN,
    # The admin site's own entry points; the rest of it is covered by the prefix below.
    "admin/login/": EVERYONE,
    "admin/logout/": ADMIN,
    # Feature pages and API. API lists open to every role answer each role only its own scope
    # (tests/security and each app's visibility tests compare the ids); the table is about the door.
    "api/^customers/$": EVERYONE,
    "api/^customers/(?P<pk>[^/.]+)/$": EVERYONE,
    # The duplicate check: every role, each told only what its scope allows (tests/accounts/customers).
    "api/^customers/duplicates/$": EVERYONE,
    "api/^territories/$": EVERYONE,
    "api/^territories/(?P<pk>[^/.]+)/$": EVERYONE,
    "api/attainment/": FIELD,
    "api/campaigns/": INQUIRIES,
    "api/campaigns/<str:pk>/": INQUIRIES,
    "api/churn-risks/": EVERYONE,  # info staff: an empty list (they see no customer)
    "api/churn-risks/<str:pk>/": EVERYONE,
    "api/partners/": EVERYONE,
    "api/recruits/": EVERYONE,  # info staff: an empty list; writes are the field's (FieldWritesOnly)
    "api/recruits/<str:pk>/": EVERYONE,
    "api/recruits/<str:pk>/stage/": EVERYONE,  # POST only
    "api/tenders/": EVERYONE,
    "api/tenders/<str:pk>/": EVERYONE,
    "api/tenders/<str:pk>/stage/": EVERYONE,  # POST only
    "api/partners/<str:pk>/": EVERYONE,
    "api/competitor-reports/": EVERYONE,
    # Daily reports: the list and one report answer each role its own scope (a hidden report is 404); submitting
    # is a salesperson's (403 for the others, in the service); the team's day is for managers and the admin.
    "api/daily-reports/": EVERYONE,
    "api/daily-reports/<int:pk>/": EVERYONE,
    "api/daily-reports/<int:pk>/comments/": EVERYONE,
    "api/daily-reports/team-day/": MANAGER,
    "api/competitor-reports/<str:pk>/": EVERYONE,
    "api/dashboard/": MANAGER,
    "api/deals/": EVERYONE,
    "api/deals/<str:pk>/": EVERYONE,
    "api/imports/": INQUIRIES,
    "api/imports/<str:pk>/": INQUIRIES,
    "api/imports/<str:pk>/check/": INQUIRIES,
    "api/imports/<str:pk>/commit/": INQUIRIES,
    "api/imports/<str:pk>/errors/": INQUIRIES,
    "api/inquiries/": EVERYONE,
    "api/inquiries/<str:pk>/": EVERYONE,
    "api/key-accounts/": EVERYONE,
    "api/key-accounts/<str:pk>/": EVERYONE,
    "api/key-accounts/<str:pk>/outcome/": EVERYONE,
    "api/key-accounts/<str:pk>/plan/": EVERYONE,
    "api/key-accounts/joint-visits/": EVERYONE,
    "api/key-accounts/joint-visits/<str:pk>/": EVERYONE,
    "api/key-accounts/joint-visits/<str:pk>/answer/": EVERYONE,
    "api/ledger-entries/": EVERYONE,
    "api/ledger-entries/<str:pk>/": EVERYONE,
    "api/payments/": EVERYONE,
    "api/payments/<str:pk>/": EVERYONE,
    "api/quota-shortfalls/": FIELD,
    "api/quota-shortfalls/<int:pk>/": FIELD,
    "api/quota-shortfalls/<int:pk>/explanation/": EVERYONE,
    "api/quota-shortfalls/<int:pk>/review/": EVERYONE,
    "api/sms/replies/": EVERYONE,
    "api/sms/receipts/": EVERYONE,  # the gateway's webhooks: a shared secret, no login (POST only)
    # Replies and messages of the customers each role sees; the desk also the replies from unknown numbers.
    "api/sms-replies/": EVERYONE,
    "api/sms-replies/<str:pk>/": EVERYONE,
    "api/sms-messages/": EVERYONE,
    "api/sms-messages/<str:pk>/": EVERYONE,
    "api/segments/": INQUIRIES,
    "api/segments/<str:pk>/": INQUIRIES,
    "api/segments/count/": INQUIRIES,
    "api/targets/": MANAGER,
    "api/visits/": EVERYONE,
    "api/visits/<int:pk>/": EVERYONE,
    "api/visits/<int:pk>/rating/": EVERYONE,
    "api/visits/<int:pk>/not-at-customer/": EVERYONE,  # POST only; one's own visit, else 404
    # Nearby: every role reaches it and gets its own scope (info staff: none), as /api/customers/.
    "api/customers/nearby/": EVERYONE,
    "campaigns/": INQUIRIES,
    "campaigns/<int:pk>/": INQUIRIES,
    "campaigns/materials/<int:pk>/": EVERYONE,  # uploaded file, see customers/<int:pk>/business-card/
    "campaigns/new/": INQUIRIES,
    "campaigns/results/": INQUIRIES,
    "churn/": FIELD,
    "partners/": EVERYONE,
    # The pipelines: the field's pages (each sees their own, their team's, or all); info staff none.
    "recruits/": FIELD,
    "recruits/new/": FIELD,
    "recruits/<int:pk>/": FIELD,
    "tenders/": FIELD,
    "tenders/new/": FIELD,
    "tenders/<int:pk>/": FIELD,
    "partners/new/": frozenset({Role.MANAGER, Role.INFO_STAFF, Role.ADMIN}),
    "partners/<int:pk>/": EVERYONE,
    "partners/<int:pk>/edit/": frozenset({Role.MANAGER, Role.INFO_STAFF, Role.ADMIN}),
    "competitor-reports/": EVERYONE,
    "competitor-reports/compare/": EVERYONE,
    "customers/": FIELD,
    "customers/<int:pk>/": FIELD,
    "customers/<int:pk>/assign/": EVERYONE,
    # Uploaded files: every signed-in role reaches the view, which finds the owner through its visible_to
    # and answers 404 to anyone outside it (tests/security/test_media.py: each role x each kind of file).
    "customers/<int:pk>/business-card/": EVERYONE,
    "customers/<int:pk>/claim/": EVERYONE,
    "customers/<int:pk>/edit/": FIELD,
    "customers/<int:pk>/flyer/": FIELD,
    "customers/<int:pk>/ledger.xlsx": FIELD,
    "customers/<int:pk>/ledger/": FIELD,
    "customers/<int:pk>/prices/": FIELD,
    "customers/<int:pk>/showcase/": FIELD,
    "customers/duplicates/": EVERYONE,
    "customers/export/": FIELD,
    "customers/new/": FIELD,
    "customers/pool/": FIELD,
    "customers/unassigned/": MANAGER,
    "dashboard/attainment/": MANAGER,
    "dashboard/export/": MANAGER,
    "dashboard/me/": SALESPERSON,
    "dashboard/targets/": MANAGER,
    "dashboard/targets/export/": MANAGER,
    # The field app: the offline copy is a salesperson's own scope; sync is POST only.
    "api/offline/customers/": frozenset({Role.SALESPERSON}),
    "api/visits/sync/": EVERYONE,
    "visits/route/": SALESPERSON,
    "visits/routes/": MANAGER,
    # Service tools: lists scoped by visible_to; the product catalogue is open to everyone signed in.
    "api/policy-checkups/": EVERYONE,
    "api/policy-checkups/<str:pk>/": EVERYONE,
    "api/products/": EVERYONE,
    "api/products/<str:pk>/": EVERYONE,
    "api/quotes/": EVERYONE,
    "api/quotes/<str:pk>/": EVERYONE,
    "service/": FIELD,
    "service/checkups/": FIELD,
    "service/checkups/<int:pk>/": FIELD,
    "service/checkups/<int:pk>/report/": FIELD,
    "service/checkups/new/": FIELD,
    "service/products/": FIELD,
    # The catalogue: the field reads it (and downloads a rate table), only the admin edits it.
    "service/products/new/": ADMIN,
    "service/products/<int:pk>/": FIELD,
    "service/products/<int:pk>/edit/": ADMIN,
    "service/products/<int:product_pk>/coverages/new/": ADMIN,
    "service/coverages/<int:pk>/edit/": ADMIN,
    "service/coverages/<int:coverage_pk>/rate-tables/new/": ADMIN,
    "service/rate-tables/<int:pk>/edit/": ADMIN,
    "service/rate-tables/<int:pk>/export.xlsx": FIELD,
    "service/rate-tables/<int:pk>/import/": ADMIN,
    "service/quotes/": FIELD,
    "service/quotes/<int:pk>/": FIELD,
    "service/quotes/<int:pk>/deal/": FIELD,
    "service/quotes/<int:pk>/present/": FIELD,
    "service/quotes/new/": FIELD,
    "inquiries/<int:pk>/deal/": EVERYONE,  # POST only; who may record is checked in the view (may_record_deal)
    "dashboard/targets/import/": ADMIN,
    "deals/": FIELD,
    "deals/<int:pk>/": FIELD,
    "deals/<int:pk>/delivery/": EVERYONE,
    "deals/<int:pk>/edit/": FIELD,
    "deals/<int:pk>/carry/": FIELD,
    "deals/<int:pk>/entries/<str:kind>/": FIELD,
    "deals/new/": FIELD,
    "deals/price-check/": FIELD,
    "events/": EVERYONE,
    "events/<int:pk>/": EVERYONE,
    "imports/": INQUIRIES,
    "imports/<int:pk>/": INQUIRIES,
    "imports/<int:pk>/commit/": INQUIRIES,
    "imports/<int:pk>/errors.xlsx": INQUIRIES,
    "imports/<int:pk>/file/": EVERYONE,  # uploaded file, see customers/<int:pk>/business-card/
    "imports/<int:pk>/progress/": INQUIRIES,
    "inquiries/": EVERYONE,
    "inquiries/<int:pk>/": EVERYONE,
    "inquiries/duplicates/": EVERYONE,
    "key-accounts/": SALESPERSON,
    "key-accounts/entries/<int:pk>/": EVERYONE,
    "key-accounts/entries/<int:pk>/outcome/": EVERYONE,
    "key-accounts/joint-visits/": FIELD,
    "key-accounts/joint-visits/<int:pk>/": EVERYONE,
    "key-accounts/joint-visits/<int:pk>/answer/": EVERYONE,
    "key-accounts/joint-visits/<int:pk>/cancel/": EVERYONE,
    "key-accounts/joint-visits/<int:pk>/log/": EVERYONE,
    "key-accounts/joint-visits/<int:pk>/take-time/": EVERYONE,
    "key-accounts/joint-visits/new/<int:customer_pk>/": SALESPERSON,
    "key-accounts/meeting/": MANAGER,
    "key-accounts/meeting/export/": MANAGER,
    "ledger-entries/<int:pk>/reverse/": EVERYONE,
    "mailings/<int:pk>/": INQUIRIES,
    "mailings/<int:pk>/labels.xlsx": INQUIRIES,
    "manifest.webmanifest": EVERYONE,
    "notifications/": EVERYONE,
    # Each their own inbox and channels (someone else's notification: 404); the teams' robots: the manager their
    # own team's, the admin all; failed deliveries: the admin.
    "notifications/<int:pk>/": EVERYONE,
    "notifications/read-all/": EVERYONE,
    "notifications/settings/": EVERYONE,
    "notifications/teams/": MANAGER,
    "notifications/failed/": ADMIN,
    "notifications/failed/<int:pk>/retry/": EVERYONE,  # POST only; admin only (role_required after require_POST)
    "api/notifications/": EVERYONE,
    "api/notifications/<str:pk>/": EVERYONE,
    "api/notifications/read/": EVERYONE,
    "api/notifications/settings/": EVERYONE,
    # Approvals: the inbox of the field roles (to decide, and their own requests); one approval answers 404
    # to anyone but its requester, its approver and the admin; deciding and withdrawing are POST only.
    "approvals/": FIELD,
    # My exports: everyone's own list; a download is its owner's only (a made-up id answers 404 to all).
    "exports/": EVERYONE,
    "exports/<int:pk>/download/": EVERYONE,
    "approvals/<int:pk>/": EVERYONE,
    "approvals/<int:pk>/decide/": EVERYONE,
    "approvals/<int:pk>/withdraw/": EVERYONE,
    "visits/leave/": SALESPERSON,
    "api/approvals/": EVERYONE,  # each their own requests and what they decide; the admin all
    "api/approvals/<str:pk>/": EVERYONE,
    "api/approvals/<str:pk>/decide/": EVERYONE,
    "api/approvals/<str:pk>/withdraw/": EVERYONE,
    "customers/<int:pk>/move/": SALESPERSON,  # a salesperson asks to move one of their customers
    "offline/": EVERYONE,
    "receivables.xlsx": FIELD,
    "reports/": SALESPERSON,
    "reports/write/": SALESPERSON,
    "reports/team/": MANAGER,
    "reports/<int:pk>/": FIELD,  # one report: whoever sees it (visible_to), 404 for the rest
    "reports/<int:pk>/texts/": EVERYONE,  # POST only; the salesperson's own report
    "reports/<int:pk>/comments/": EVERYONE,  # POST only; whoever sees the report
    "receivables/": FIELD,
    "renewals/": FIELD,
    "showcase-photos/<int:pk>/image/": EVERYONE,  # uploaded file, see customers/<int:pk>/business-card/
    "sw.js": EVERYONE,
    "territories/<int:pk>/owner/": ADMIN,
    # GET: what would move (a preview); POST with the preview's token: the change.
    "territories/<int:pk>/assign/": ADMIN,
    "territories/<int:pk>/release/": ADMIN,
    "unsubscribe/<str:token>/": EVERYONE,
    "visits/": MANAGER,
    "visits/<int:pk>/rating/": EVERYONE,
    "visits/photos/<int:pk>/": EVERYONE,  # uploaded file, see customers/<int:pk>/business-card/
    "visits/photos/<int:pk>/thumbnail/": EVERYONE,  # the same photo's thumbnail
    "visits/photos/<int:pk>/original/": EVERYONE,  # the same photo before the stamp
    "visits/<int:pk>/": EVERYONE,  # one visit: whoever sees it (visible_to), 404 for the rest
    "visits/<int:pk>/not-at-customer/": EVERYONE,  # POST only; the salesperson's own visit, else 404
    "visits/nearby/": FIELD,
    "visits/customers/<int:customer_pk>/": FIELD,
    "visits/customers/new/": EVERYONE,
    "visits/customers/search/": SALESPERSON,
    "visits/export.xlsx": FIELD,
    "visits/forms/": MANAGER,
    "visits/forms/submit/": EVERYONE,
    "visits/mine/": SALESPERSON,
    "visits/new/": SALESPERSON,
    "visits/shortfalls/": FIELD,
    "visits/shortfalls/<int:pk>/explain/": EVERYONE,
    "visits/shortfalls/<int:pk>/review/": EVERYONE,
    # The maps: the customers each role sees (visible_to), a salesperson's day for themselves, a manager their
    # team's, the admin anyone's (tests/visits/map compare the ids); the pin is POST only.
    "map/": FIELD,
    "map/features/": FIELD,
    "map/customers/<int:pk>/pin/": FIELD,
    "map/track/": FIELD,
    "api/map/customers/": EVERYONE,
    "api/map/customers/<int:pk>/pin/": EVERYONE,
    "api/map/track/": EVERYONE,
    # Plans: the week plan is a salesperson's own; plan against visits a salesperson's own, a manager's team's.
    "plans/": SALESPERSON,
    "plans/add/": EVERYONE,
    "plans/stops/<int:pk>/move/": EVERYONE,
    "plans/stops/<int:pk>/remove/": EVERYONE,
    "plans/stops/<int:pk>/note/": EVERYONE,
    "plans/versus/": FIELD,
    "plans/versus/<int:salesperson_pk>/": FIELD,
    "api/plans/stops/": FIELD,
    "api/plans/stops/<int:pk>/": FIELD,
    "api/plans/stops/<int:pk>/move/": EVERYONE,
    "api/plans/salespeople/<int:salesperson_pk>/day/": FIELD,
    "api/plans/versus/": FIELD,
    # Segments and call lists: the campaign desk; the caller's screen: salespeople (a caller owns a territory
    # of the telemarketing channel), each number answering only its caller (404 for anyone else).
    "segments/": INQUIRIES,
    "sms/replies/": INQUIRIES,
    "segments/new/": INQUIRIES,
    "segments/count/": INQUIRIES,
    "segments/<int:pk>/": INQUIRIES,
    "call-lists/": INQUIRIES,
    "call-lists/new/": INQUIRIES,
    "call-lists/<int:pk>/": INQUIRIES,
    "calls/": SALESPERSON,
    "calls/next/": SALESPERSON,
    "calls/<int:pk>/outcome/": SALESPERSON,
    "api/call-lists/": INQUIRIES,
    "api/call-lists/<str:pk>/": INQUIRIES,
    "api/calls/": EVERYONE,
    "api/calls/next/": EVERYONE,
    "api/calls/<str:pk>/": EVERYONE,
    "api/calls/<str:pk>/outcome/": EVERYONE,
}
# The Django admin checks is_staff and model permissions itself, for every ModelAdmin a
# later feature registers, so its pages are classified by prefix.
ACCESS_PREFIXES: dict[str, frozenset[str]] = {
    "admin/": ADMIN,
}
# What a GET answers to the allowed roles when it is not "open" (200 or 302).
ANSWER_TO_ALLOWED: dict[str, int] = {
    "logout/": 405,  # POST only
    "api/auth/token/": 405,  # POST only
    "account/tokens/<str:digest>/revoke/": 405,  # POST only
    "account/sign-out-everywhere/": 405,  # POST only
    "admin/logout/": 405,  # POST only
    "admin/autocomplete/": 403,  # needs app_label, model_name and field_name in the query
    # django-axes keeps its records read-only in the admin
    "admin/axes/accessattempt/add/": 403,
    "admin/axes/accessfailurelog/add/": 403,
    "admin/axes/accesslog/add/": 403,
    "admin/knox/authtoken/add/": 403,  # tokens come from POST /api/auth/token/ only (with the second factor)
    # The ledger is append-only (corrections are reversing entries) and assignments are made on the
    # territory console, which moves the open work: the admin site offers neither.
    "admin/accounts/ledgerentry/add/": 403,
    # Quotes and check-ups are computed by the services from their inputs; the admin only shows them.
    "admin/accounts/quote/add/": 403,
    "admin/accounts/policycheckup/add/": 403,
    # django-otp: the admin may remove a user's device, never read its secret (OTP_ADMIN_HIDE_SENSITIVE_DATA)
    "admin/otp_totp/totpdevice/<int:pk>/config/": 403,
    "admin/otp_totp/totpdevice/<int:pk>/qrcode/": 403,
    "dashboard/targets/import/": 405,  # POST only
    "inquiries/<int:pk>/deal/": 405,  # POST only
    "api/visits/sync/": 405,  # POST only
    "admin/accounts/ledgerentry/<path:object_id>/delete/": 403,
    "admin/accounts/deal/<path:object_id>/delete/": 403,  # deals are cancelled or returned, never deleted
    "admin/territories/territoryassignment/add/": 403,
    # Settings are changed on our own pages (through the services that record who); the admin site shows them.
    "admin/visits/workingday/add/": 403,
    "admin/visits/workingday/<path:object_id>/delete/": 403,
    "admin/visits/quotaoverride/add/": 403,
    "admin/visits/quotaoverride/<path:object_id>/delete/": 403,
    "admin/territories/routingrule/add/": 403,
    "admin/territories/routingrule/<path:object_id>/delete/": 403,
    "admin/performance/rewardrule/add/": 403,
    "admin/performance/rewardrule/<path:object_id>/delete/": 403,
    "settings/quotas/<int:pk>/remove/": 405,  # POST only
    "approvals/<int:pk>/decide/": 405,  # POST only
    "api/approvals/<str:pk>/decide/": 405,  # POST only
    "api/approvals/<str:pk>/withdraw/": 405,  # POST only
    "approvals/<int:pk>/withdraw/": 405,  # POST only
    "notifications/read-all/": 405,  # POST only
    "notifications/failed/<int:pk>/retry/": 405,  # POST only
    "api/notifications/read/": 405,  # POST only
    "api/imports/<str:pk>/check/": 405,  # POST only
    "api/imports/<str:pk>/commit/": 405,  # POST only
    "api/key-accounts/<str:pk>/outcome/": 405,  # POST only
    "api/key-accounts/<str:pk>/plan/": 405,  # POST only
    "api/key-accounts/joint-visits/<str:pk>/answer/": 405,  # POST only
    "api/daily-reports/<int:pk>/comments/": 405,  # POST only
    "api/quota-shortfalls/<int:pk>/explanation/": 405,  # POST only
    "api/quota-shortfalls/<int:pk>/review/": 405,  # POST only
    "api/sms/replies/": 405,  # POST only
    "api/sms/receipts/": 405,  # POST only
    "api/segments/count/": 405,  # POST only
    "api/visits/<int:pk>/rating/": 405,  # POST only
    "api/visits/<int:pk>/not-at-customer/": 405,  # POST only
    "api/customers/nearby/": 400,  # needs latitude and longitude
    "customers/<int:pk>/assign/": 405,  # POST only
    "customers/<int:pk>/claim/": 405,  # POST only
    "deals/<int:pk>/delivery/": 405,  # POST only
    "deals/price-check/": 404,  # needs its query parameters
    "login/wecom/": 404,  # not configured
    "login/wecom/done/": 404,
    "login/dingtalk/": 404,
    "login/dingtalk/done/": 404,
    "imports/<int:pk>/commit/": 405,  # POST only
    "key-accounts/entries/<int:pk>/outcome/": 405,  # POST only
    "key-accounts/joint-visits/<int:pk>/answer/": 405,  # POST only
    "key-accounts/joint-visits/<int:pk>/cancel/": 405,  # POST only
    "key-accounts/joint-visits/<int:pk>/log/": 405,  # POST only
    "key-accounts/joint-visits/<int:pk>/take-time/": 405,  # POST only
    "ledger-entries/<int:pk>/reverse/": 405,  # POST only
    "reports/<int:pk>/texts/": 405,  # POST only
    "reports/<int:pk>/comments/": 405,  # POST only
    "visits/<int:pk>/rating/": 405,  # POST only
    "visits/<int:pk>/not-at-customer/": 405,  # POST only
    "visits/customers/new/": 405,  # POST only
    "visits/forms/submit/": 405,  # POST only
    "visits/shortfalls/<int:pk>/explain/": 405,  # POST only
    "visits/shortfalls/<int:pk>/review/": 405,  # POST only
    "map/customers/<int:pk>/pin/": 405,  # POST only
    "api/map/customers/<int:pk>/pin/": 405,  # POST only
    "api/map/track/": 400,  # needs ?salesperson=
    "plans/add/": 405,  # POST only
    "plans/stops/<int:pk>/move/": 405,  # POST only
    "plans/stops/<int:pk>/remove/": 405,  # POST only
    "plans/stops/<int:pk>/note/": 405,  # POST only
    "api/plans/stops/<int:pk>/move/": 405,  # POST only
    "calls/next/": 405,  # POST only
    "calls/<int:pk>/outcome/": 405,  # POST only
    "api/calls/next/": 405,  # POST only
    "api/calls/<str:pk>/outcome/": 405,  # POST only
    "api/recruits/<str:pk>/stage/": 405,  # POST only
    "api/tenders/<str:pk>/stage/": 405,  # POST only
}

ROUTES = all_routes()


def allowed_roles(route: Route) -> frozenset[str] | None:
    if route.pattern in ACCESS:
        return ACCESS[route.pattern]
    for prefix in sorted(ACCESS_PREFIXES, key=len, reverse=True):
        if route.pattern.startswith(prefix):
            return ACCESS_PREFIXES[prefix]
    return None


def test_every_route_is_classified():
    unclassified = [route.pattern for route in ROUTES if allowed_roles(route) is None]

    assert unclassified == [], "add these routes to ACCESS in tests/security/test_matrix.py"


def test_the_table_names_only_existing_routes():
    patterns = {route.pattern for route in ROUTES}

    assert sorted((set(ACCESS) | set(ANSWER_TO_ALLOWED)) - patterns) == []


def test_every_role_has_a_user_in_the_matrix():
    assert set(ROLE_USERS) == set(Role.values)


def _expected(route: Route, role: str) -> str:
    """What a GET must answer, as a short label compared in the test."""
    roles = allowed_roles(route)
    if roles is None:
        pytest.fail(f"route {route.pattern!r} is not classified in ACCESS")
    allowed = role in roles
    if route.is_admin_site:
        if not allowed:
            return "admin-site refusal"
        if route.has_parameters:
            return str(ANSWER_TO_ALLOWED.get(route.pattern, "missing object"))
        return str(ANSWER_TO_ALLOWED.get(route.pattern, "open"))
    if not allowed:
        return "refused"
    if route.has_parameters:
        # Made-up ids: the allowed roles reach the view and find nothing (or may only POST).
        return str(ANSWER_TO_ALLOWED.get(route.pattern, 404))
    return str(ANSWER_TO_ALLOWED.get(route.pattern, "open"))


def _outcome(response, expected: str) -> str:
    status = response.status_code
    location = response.get("Location", "")
    if expected == "admin-site refusal":
        # The admin site sends outsiders to its own login (logout: to its index, then login).
        return expected if status == 302 and location.startswith("/admin/") else f"{status} {location}"
    if expected == "missing object":
        # The admin answers a missing object with a redirect to its index, or 404.
        return expected if status == 404 or (status == 302 and location.startswith("/admin/")) else str(status)
    if expected == "refused":
        return expected if status in (403, 404) else f"{status} {location}"
    if expected == "open":
        return expected if status in (200, 302) and not location.startswith("/login/") else f"{status} {location}"
    return str(status)


@pytest.mark.parametrize("role", sorted(ROLE_USERS))
@pytest.mark.parametrize("route", ROUTES, ids=[route.path for route in ROUTES])
def test_get_as_each_role_matches_the_table(client_as, route, role):
    expected = _expected(route, role)

    response = client_as(role).get(route.path)

    assert _outcome(response, expected) == expected
