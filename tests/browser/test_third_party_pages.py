"""Third-party pages under our CSP, in a real browser: the fixture fails a test on any CSP violation,
console error or uncaught error, so these pass only if the pages work without breaking the policy."""

from __future__ import annotations

import pytest
from django_celery_beat.models import CrontabSchedule


@pytest.fixture
def superuser(people):
    people.admin.is_superuser = True  # as seed_demo makes the admin
    people.admin.save(update_fields=["is_superuser"])
    return people.admin


@pytest.mark.browser
def test_the_api_docs_render_from_our_own_files(login_as, superuser):
    browser_page = login_as("admin")

    browser_page.goto("/api/docs/")

    page = browser_page.page
    page.wait_for_selector(".swagger-ui .info .title")
    assert page.inner_text(".swagger-ui .info .title").startswith("Field Sales CRM API")
    page.wait_for_selector(".opblock")
    # Swagger UI draws the operations near the window only (at 390 px the first screen held 8 of 117 once the
    # pipelines came), so the page is read while scrolled down to its end.
    seen: set[str] = set()
    for _step in range(400):
        seen |= set(page.eval_on_selector_all(".opblock-summary-path", "(paths) => paths.map((p) => p.dataset.path)"))
        if page.evaluate("window.scrollY + window.innerHeight >= document.body.scrollHeight - 2"):
            break
        page.mouse.wheel(0, 600)
        page.wait_for_timeout(50)
    assert {"/api/approvals/", "/api/customers/", "/api/tenders/", "/api/visits/"} <= seen
    assert len(seen) > 80


@pytest.mark.browser
def test_the_periodic_task_form_shows_the_chosen_crontab_in_words(login_as, superuser):
    crontab = CrontabSchedule.objects.create(minute="0", hour="6", timezone="Asia/Shanghai")
    browser_page = login_as("admin")

    browser_page.goto("/admin/django_celery_beat/periodictask/add/")

    page = browser_page.page
    page.select_option("#id_crontab", str(crontab.pk))
    help_text = page.inner_text(".field-crontab .help")
    assert help_text.endswith(f"含义： {crontab.human_readable}")
