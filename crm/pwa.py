"""The installable web app: manifest, service worker and the offline page.

The service worker lives at the site root so that its scope covers every page; its code is
a static file, served here with the header that allows the root scope.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET


@login_not_required
@require_GET
@cache_control(max_age=3600)
def manifest(request: HttpRequest) -> JsonResponse:
    data = {
        "name": _("Field Sales CRM"),
        "short_name": _("Field sales"),
        "description": _("Visits, customers and deals for teams who sell in the street."),
        "lang": request.LANGUAGE_CODE,
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f8f9fa",
        "theme_color": "#0d6efd",
        "icons": [
            {"src": static("img/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any maskable"},
            {"src": static("img/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any maskable"},
        ],
    }
    return JsonResponse(data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})


@login_not_required
@require_GET
@cache_control(no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    path = finders.find("js/sw.js")
    with open(path, encoding="utf-8") as source:
        body = source.read()
    # The shell to cache uses the same (possibly hashed) URLs as the pages do.
    shell = [
        static("vendor/bootstrap-5.3.8/bootstrap.min.css"),
        static("vendor/bootstrap-5.3.8/bootstrap.bundle.min.js"),
        static("vendor/htmx-2.0.7/htmx.min.js"),
        static("css/app.css"),
        static("js/app.js"),
        static("js/offline.js"),
        static("js/visits.js"),
        static("js/route.js"),
        static("img/favicon.svg"),
        static("img/icon-192.png"),
        "/offline/",
    ]
    body = body.replace("/*SHELL*/[]", repr(shell).replace("'", '"'))
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@login_not_required
@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    return render(request, "crm/offline.html")
