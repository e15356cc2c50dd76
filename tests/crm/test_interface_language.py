"""The interface speaks the user's language on every page a role can open (issue #21 item 2).

The demo is loaded, then every text in the database that holds a Chinese character is replaced by an ASCII
token: with the data in ASCII, a Chinese character on an English page can only be a string that never went
through gettext (or a msgid written in Chinese). The walk is the URL resolver's (tests/urlwalk.py), each
route opened by the roles the security matrix lets in; pages that need an object get one the role can see
(SAMPLES); the Django admin's pages are walked from its registry. API answers, files and downloads are not
pages and are left out.

In Chinese the chrome is checked: every menu label and every page's title (and its h1) is Chinese, unless
it is data. The catalogue itself is checked in test_translations.py (no empty or fuzzy msgstr).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.urls import reverse

from crm.models import User
from tests.roles import ROLE_USERS, Role
from tests.security.test_matrix import allowed_roles
from tests.urlwalk import Route, all_routes

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
DEMO_USERS = {Role.SALESPERSON: "sales1", Role.MANAGER: "manager1", Role.INFO_STAFF: "info1", Role.ADMIN: "admin"}
assert set(DEMO_USERS) == set(ROLE_USERS), "a new role needs a demo user here"


# --- the data in ASCII ------------------------------------------------------------------------------


def _ascii(value, token: Callable[[], str]):
    """``value`` with every string holding a Chinese character replaced by a token (in JSON: at any depth)."""
    if isinstance(value, str):
        return token() if CJK.search(value) else value
    if isinstance(value, list):
        return [_ascii(item, token) for item in value]
    if isinstance(value, dict):
        return {key: _ascii(item, token) for key, item in value.items()}
    return value


def asciify_database() -> set[str]:
    """Replace every text holding a Chinese character, in every table, with an ASCII token ("UnitNa305" for the
    unit name of row 305). Returns every text value left in the database: the data a page may show."""
    texts: set[str] = set()
    for model in apps.get_models():
        fields = [
            field
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField | models.JSONField) and not field.choices
        ]
        if not fields:
            continue
        # The plain QuerySet: the ledger's own refuses every change, as it should for everyone but this test.
        rows = models.QuerySet(model)
        changed = []
        for row in rows.only(model._meta.pk.attname, *(field.attname for field in fields)):
            before = [getattr(row, field.attname) for field in fields]
            for field, value in zip(fields, before, strict=True):
                numbers = iter(range(1000))
                limit = getattr(field, "max_length", None) or 200
                prefix = field.name.title().replace("_", "")[:6]

                def token(prefix=prefix, pk=row.pk, numbers=numbers, limit=limit) -> str:
                    return f"{prefix}{pk}{next(numbers) or ''}"[-limit:]

                setattr(row, field.attname, _ascii(value, token))
            after = [getattr(row, field.attname) for field in fields]
            texts.update(value for value in after if isinstance(value, str) and value)
            if after != before:
                changed.append(row)
        if changed:
            rows.bulk_update(changed, [field.attname for field in fields], batch_size=500)
    return texts


@pytest.fixture
def ascii_demo(db, settings, tmp_path):
    settings.DEBUG = True  # seed_demo refuses otherwise
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo")
    settings.DEBUG = False
    _add_what_the_demo_lacks()
    return asciify_database()


def _add_what_the_demo_lacks() -> None:
    """The demo has no prospect import and no mailing: one of each, with a row issue and a recipient."""
    from campaigns.models import Campaign
    from tests.campaigns.factories import (
        ImportRowIssueFactory,
        MailingFactory,
        MailingRecipientFactory,
        ProspectImportFactory,
    )

    info = User.objects.get(username="info1")
    campaign = Campaign.objects.order_by("pk").first()
    ImportRowIssueFactory(prospect_import=ProspectImportFactory(created_by=info, campaign=campaign))
    MailingRecipientFactory(mailing=MailingFactory(campaign=campaign, created_by=info))


# --- which pages ------------------------------------------------------------------------------------


def _visible(model_label: str, user: User, **filters):
    model = apps.get_model(model_label)
    rows = model._default_manager
    rows = rows.visible_to(user) if hasattr(rows, "visible_to") else rows.all()
    return rows.filter(**filters).order_by("pk").first()


def _pk(model_label: str, **filters) -> Callable[[User], dict | None]:
    def kwargs(user: User) -> dict | None:
        row = _visible(model_label, user, **filters)
        return None if row is None else {"pk": row.pk}

    return kwargs


def _customer_pk(user: User) -> dict | None:
    row = _visible("accounts.Customer", user)
    return None if row is None else {"customer_pk": row.pk}


def _entry(kind: str) -> Callable[[User], dict | None]:
    def kwargs(user: User) -> dict | None:
        row = _visible("accounts.Deal", user)
        return None if row is None else {"pk": row.pk, "kind": kind}

    return kwargs


# Pages that show one object: the route's pattern → the keyword arguments of an object the user may see.
SAMPLES: dict[str, Callable[[User], dict | None]] = {
    "campaigns/<int:pk>/": _pk("campaigns.Campaign"),
    "customers/<int:pk>/": _pk("accounts.Customer"),
    "customers/<int:pk>/edit/": _pk("accounts.Customer"),
    "customers/<int:pk>/flyer/": _pk("accounts.Customer"),
    "customers/<int:pk>/ledger/": _pk("accounts.Customer", deals__isnull=False),
    "customers/<int:pk>/prices/": _pk("accounts.Customer", deals__isnull=False),
    "customers/<int:pk>/showcase/": _pk("accounts.Customer", deals__isnull=False),
    "deals/<int:pk>/": _pk("accounts.Deal"),
    "deals/<int:pk>/edit/": _pk("accounts.Deal"),
    "deals/<int:pk>/entries/<str:kind>/": _entry("payment"),
    "events/<int:pk>/": _pk("campaigns.Event"),
    "imports/<int:pk>/": _pk("campaigns.ProspectImport"),
    "inquiries/<int:pk>/": _pk("campaigns.PhoneInquiry"),
    "key-accounts/entries/<int:pk>/": _pk("visits.KeyAccountEntry"),
    "key-accounts/joint-visits/<int:pk>/": _pk("visits.JointVisitRequest"),
    "key-accounts/joint-visits/new/<int:customer_pk>/": _customer_pk,
    "mailings/<int:pk>/": _pk("campaigns.Mailing"),
    "service/checkups/<int:pk>/": _pk("accounts.PolicyCheckup"),
    "service/checkups/<int:pk>/report/": _pk("accounts.PolicyCheckup"),
    "service/quotes/<int:pk>/": _pk("accounts.Quote"),
    "service/quotes/<int:pk>/deal/": _pk("accounts.Quote"),
    "service/quotes/<int:pk>/present/": _pk("accounts.Quote"),
    "territories/<int:pk>/owner/": _pk("territories.Territory", kind="channel"),
    "visits/<int:pk>/": _pk("visits.Visit"),
    "visits/customers/<int:customer_pk>/": _customer_pk,
}


@dataclass(frozen=True)
class Page:
    pattern: str
    path: str
    shows: tuple[str, ...] = ()  # data the page shows that is not a text in the database (an object's name)


def _path(route: Route, kwargs: dict) -> str:
    return reverse(route.name, kwargs=kwargs)


def pages_for(role: str, user: User) -> Iterator[Page]:
    """Every page the role may open: the resolver's routes the matrix lets it in, and the admin site's."""
    for route in all_routes():
        if route.is_api or route.is_admin_site or role not in (allowed_roles(route) or ()):
            continue
        if not route.has_parameters:
            yield Page(route.pattern, route.path)
        elif route.pattern in SAMPLES:
            kwargs = SAMPLES[route.pattern](user)
            if kwargs is not None:
                yield Page(route.pattern, _path(route, kwargs))
    if role == Role.ADMIN:
        yield Page("admin/", reverse("admin:index"))
        for model in admin.site._registry:
            name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
            yield Page(f"{name}_changelist", reverse(f"{name}_changelist"))
            yield Page(f"{name}_add", reverse(f"{name}_add"))
            row = model._default_manager.order_by("pk").first()
            if row is not None:
                yield Page(f"{name}_change", reverse(f"{name}_change", args=[row.pk]), shows=(str(row),))


def _client(username: str, language: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(User.objects.get(username=username))
    return client


def opened_pages(role: str, language: str) -> Iterator[tuple[Page, str]]:
    """(page, HTML) of every page of the role that answers 200 with HTML, and its refusals (403, 404)."""
    client = _client(DEMO_USERS[role], language)
    user = User.objects.get(username=DEMO_USERS[role])
    for page in pages_for(role, user):
        response = client.get(page.path)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            yield page, response.content.decode()
    for status, path in ((404, "/visits/999999999/"), (403, "/territories/" if role != Role.ADMIN else None)):
        if path is not None:
            response = client.get(path)
            assert response.status_code == status, path
            yield Page(str(status), path), response.content.decode()


def signed_out_pages(language: str) -> Iterator[tuple[Page, str]]:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    for path in ("/login/", "/admin/login/", "/offline/"):
        response = client.get(path)
        assert response.status_code == 200, path
        yield Page(path, path), response.content.decode()


# --- what a page says -------------------------------------------------------------------------------


class _Text(HTMLParser):
    """The page's text and the attribute values a person reads (data-* ones: the messages scripts show),
    leaving out what is marked as another language (the language switcher names each language in itself),
    scripts and styles."""

    SKIP = {"script", "style"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    SHOWN_ATTRIBUTES = {"title", "placeholder", "alt", "aria-label", "value", "data-confirm"}

    def __init__(self, language: str) -> None:
        super().__init__(convert_charrefs=True)
        self.language = language
        self.stack: list[tuple[str, bool]] = []
        self.parts: list[str] = []

    def _skipping(self) -> bool:
        return any(skip for _tag, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        other_language = "lang" in values and not (values["lang"] or "").lower().startswith(self.language)
        skip = tag in self.SKIP or other_language
        if not skip and not self._skipping():
            self.parts += [
                value for name, value in attrs if value and (name in self.SHOWN_ATTRIBUTES or name.startswith("data-"))
            ]
        if tag not in self.VOID:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, _skip = self.stack.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        if not self._skipping() and data.strip():
            self.parts.append(data.strip())


def shown_text(html: str, language: str) -> list[str]:
    parser = _Text(language)
    parser.feed(html)
    return parser.parts


# --- English ----------------------------------------------------------------------------------------


# Pages each role opens at least (the walk finds them; fewer means it lost its way).
AT_LEAST = {Role.SALESPERSON: 40, Role.MANAGER: 40, Role.INFO_STAFF: 15, Role.ADMIN: 150}


def chinese_left_in_english() -> tuple[dict[str, set[str]], dict[str, int], set[str]]:
    """Every text with a Chinese character on the English pages of every role, and where; the number of pages
    each role opened and the patterns opened."""
    untranslated: dict[str, set[str]] = {}
    opened: dict[str, int] = {}
    patterns: set[str] = set()
    for role in [*sorted(DEMO_USERS), "signed out"]:
        pages = signed_out_pages("en") if role == "signed out" else opened_pages(role, "en")
        for page, html in pages:
            opened[role] = opened.get(role, 0) + 1
            patterns.add(page.pattern)
            assert '<html lang="en">' in html or "<html" not in html or "admin" in page.pattern, page.path
            for text in shown_text(html, "en"):
                if CJK.search(text):
                    untranslated.setdefault(text, set()).add(f"{role} {page.path}")
    return untranslated, opened, patterns


# --- Chinese ----------------------------------------------------------------------------------------

TITLE = re.compile(r"<title>\s*(.*?)\s*</title>", re.S)
H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)
TAG = re.compile(r"<[^>]+>")
MENU_LABEL = re.compile(r'class="(?:nav-label[^"]*|dropdown-item[^"]*|menu-phone-heading)"[^>]*>([^<]+)<')
# Words that stay as they are in a Chinese interface.
KEPT = {"CRM", "API", "Excel", "PDF", "SMS", "ID", "QR", "URL", "EXIF", "GPS", "OTP", "TOTP"}


def _untranslated(text: str, data: list[str]) -> str:
    """What is left of ``text`` once data and words kept in every language are taken out: '' when all is well."""
    for value in data:
        if value in text:
            text = text.replace(value, " ")
    words = re.findall(r"[A-Za-z][A-Za-z'&-]+", text)
    return " ".join(word for word in words if word not in KEPT)


def english_left_in_chinese(data: set[str]) -> dict[str, set[str]]:
    """The menu labels, titles and h1s of every Chinese page of every role that are not Chinese, nor data."""
    known = sorted((value for value in data if len(value) > 1), key=len, reverse=True)
    untranslated: dict[str, set[str]] = {}
    for role in [*sorted(DEMO_USERS), "signed out"]:
        pages = signed_out_pages("zh-hans") if role == "signed out" else opened_pages(role, "zh-hans")
        for page, html in pages:
            title = TITLE.search(html)
            texts = [title.group(1)] if title else []
            texts += [TAG.sub(" ", match) for match in H1.findall(html)]
            if "admin" not in page.pattern:
                texts += MENU_LABEL.findall(html.split('id="user-menu"', 1)[0])
            for text in texts:
                left = _untranslated(text, [*page.shows, *known])
                if left:
                    untranslated.setdefault(f"{text.strip()} [{left}]", set()).add(f"{role} {page.path}")
    return untranslated


def _listed(found: dict[str, set[str]]) -> str:
    return "\n".join(f"{text!r} on {sorted(paths)[:3]}" for text, paths in found.items())


def test_every_page_of_every_role_speaks_the_users_language(ascii_demo):
    """One test for both languages: the demo is loaded once. English: no Chinese character anywhere but in data
    (there is none: it is ASCII). Chinese: the menu and the titles."""
    chinese, opened, patterns = chinese_left_in_english()
    english = english_left_in_chinese(ascii_demo)

    assert {role: opened.get(role, 0) >= least for role, least in AT_LEAST.items()} == dict.fromkeys(AT_LEAST, True)
    assert sorted(set(SAMPLES) - patterns) == [], "SAMPLES names a page no role could open"
    assert chinese == {}, "Chinese on English pages:\n" + _listed(chinese)
    assert english == {}, "English on Chinese pages:\n" + _listed(english)
