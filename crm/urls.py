from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from accounts.customers.api import router as accounts_router
from crm import pwa, views
from crm.api import ApiDocsView, TokenView
from crm.notifications import views as notification_views
from performance.api import AttainmentView, DashboardView, TargetsView
from territories.api import router as territories_router
from visits.api import NearbyCustomersView, OfflineCustomersView, VisitSyncView
from visits.api import router as visits_router

api_patterns = [
    path("auth/token/", TokenView.as_view(), name="api_token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script from the same URL (?script) instead of inline: the CSP allows no
    # inline script. Swagger UI's own files come from our static files (drf-spectacular-sidecar).
    path(
        "docs/",
        ApiDocsView.as_view(url_name="api:schema", template_name="crm/api_docs.html"),
        name="docs",
    ),
    path("", include(territories_router.urls)),
    # Before the customers' router, whose detail route would take "nearby" for an id.
    path("customers/nearby/", NearbyCustomersView.as_view(), name="customers_nearby"),
    path("", include(accounts_router.urls)),
    path("dashboard/", DashboardView.as_view(), name="dashboard"),
    path("targets/", TargetsView.as_view(), name="targets"),
    path("attainment/", AttainmentView.as_view(), name="attainment"),
    path("visits/sync/", VisitSyncView.as_view(), name="visit_sync"),
    path("offline/customers/", OfflineCustomersView.as_view(), name="offline_customers"),
    path("", include(visits_router.urls)),
    path("", include("accounts.deals.api_urls")),
    path("", include("campaigns.api_urls")),
    path("", include("visits.key_accounts.api_urls")),
    path("", include("visits.reports.api_urls")),
    path("", include("visits.plans.api_urls")),
    path("", include("accounts.service_tools.api_urls")),
    path("", include("visits.map.api_urls")),
    path("", include("crm.approvals.api_urls")),
    path("", include("crm.notifications.api_urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("offline/", pwa.offline, name="offline"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/wecom/", views.sso_start, {"provider": "wecom"}, name="sso_start_wecom"),
    path("login/wecom/done/", views.sso_done, {"provider": "wecom"}, name="sso_done_wecom"),
    path("login/dingtalk/", views.sso_start, {"provider": "dingtalk"}, name="sso_start_dingtalk"),
    path("login/dingtalk/done/", views.sso_done, {"provider": "dingtalk"}, name="sso_done_dingtalk"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("account/", views.profile, name="profile"),
    path("account/tokens/<str:digest>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("account/sign-out-everywhere/", views.sign_out_everywhere_view, name="sign_out_everywhere"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("notifications/", notification_views.inbox, name="notifications"),
    path("notifications/", include("crm.notifications.urls")),
    path("approvals/", include("crm.approvals.urls")),
    path("exports/", include("crm.exports.urls")),
    path("settings/", views.settings_home, name="settings_home"),
    path("settings/teams/", views.team_modes, name="team_modes"),
    path("settings/sign-in/", views.sign_in_links_page, name="sign_in_links"),
    path("settings/sign-in/<int:pk>/", views.sign_in_link_edit, name="sign_in_link_edit"),
    path("settings/", include("visits.settings_urls")),
    path("mfa/setup/", views.mfa_setup, name="mfa_setup"),
    path("mfa/verify/", views.mfa_verify, name="mfa_verify"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("api/", include((api_patterns, "api"))),
    path("territories/", include("territories.urls")),
    path("customers/", include("accounts.customers.urls")),
    path("visits/", include("visits.urls")),
    path("", include("campaigns.urls")),
    path("dashboard/", include("performance.urls")),
    path("", include("accounts.deals.urls")),
    path("key-accounts/", include("visits.key_accounts.urls")),
    path("map/", include("visits.map.urls")),
    path("reports/", include("visits.reports.urls")),
    path("plans/", include("visits.plans.urls")),
    path("service/", include("accounts.service_tools.urls")),
    path("admin/", admin.site.urls),
]

handler404 = views.not_found
