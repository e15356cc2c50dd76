"""Every tap target on the phone pages is at least 44 × 44 CSS px (issue #18 item 8), measured in
Chromium at 360 px wide. Targets: links, buttons, selects, summaries, [role=button], and for a
checkbox or radio its label (what the thumb hits; Bootstrap's .btn-check hides the box itself).
Excluded, as WCAG 2.5.8 allows: links inside running text (a link in a sentence of a <p>), and
what is not shown (hidden, collapsed, visually-hidden skip links).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.models import Notification
from tests.accounts.factories import CustomerFactory
from tests.visits.factories import VisitFactory
from tests.visits.reports.factories import DailyReportCommentFactory, DailyReportFactory
from visits.models import QuotaShortfall
from visits.plans.services import add_to_plan
from visits.reports.models import DailyReport
from visits.tasks import default_quota_day

pytestmark = pytest.mark.browser

MIN = 44

MEASURE = """(min) => {
  const shown = (node) => {
    const style = getComputedStyle(node);
    if (style.visibility === "hidden" || style.display === "none") { return false; }
    const box = node.getBoundingClientRect();
    return box.width > 1 && box.height > 1 && node.getClientRects().length > 0;
  };
  const inRunningText = (node) => node.tagName === "A" && node.closest("p, li.running-text, .form-text");
  const labelOf = (input) => (input.id && document.querySelector(`label[for="${input.id}"]`)) || input.closest("label");
  const targets = new Set();
  document.querySelectorAll("a[href], button, select, summary, [role=button], input[type=checkbox], input[type=radio]")
    .forEach((node) => {
      if (node.matches("input[type=checkbox], input[type=radio]")) {
        const label = labelOf(node);
        targets.add(label && shown(label) ? label : node);
        return;
      }
      if (node.closest("label") && node.closest("label") !== node) { return; }
      targets.add(node);
    });
  const small = [];
  targets.forEach((node) => {
    if (!shown(node) || inRunningText(node) || node.closest("[hidden], .d-none")) { return; }
    const box = node.getBoundingClientRect();
    if (box.width < min - 0.5 || box.height < min - 0.5) {
      const text = node.innerText || node.getAttribute("aria-label") || node.value || node.outerHTML.slice(0, 60);
      const label = text.trim().replace(/\\s+/g, " ").slice(0, 40);
      const classes = node.className ? "." + String(node.className).trim().split(/\\s+/).join(".") : "";
      const size = `${Math.round(box.width)}×${Math.round(box.height)}`;
      small.push(`${node.tagName.toLowerCase()}${classes} "${label}" ${size}`);
    }
  });
  return small;
}"""


def too_small(page) -> list[str]:
    found = page.evaluate(MEASURE, MIN)
    # The collapsed menu is a tap target too: open it and measure what it shows.
    toggler = page.locator(".navbar-toggler")
    if toggler.count() and toggler.is_visible():
        toggler.click()
        page.wait_for_selector(".navbar-collapse.show")
        page.wait_for_timeout(400)  # the collapse animation
        found += [f"(menu) {item}" for item in page.evaluate(MEASURE, MIN) if item not in found]
    return found


@pytest.fixture
def working_day(people, owned_tree):
    shunda = CustomerFactory(unit_name="顺达汽修厂", district="南山区", territory=owned_tree["nanshan_clubs"])
    VisitFactory(salesperson=people.sales1, customer=shunda, distance_m=80)
    VisitFactory(salesperson=people.sales1, customer=shunda, visited_at=timezone.now() - timedelta(days=1))
    Notification.objects.create(
        recipient=people.sales1, kind="test", text="明天回访顺达", link=shunda.get_absolute_url()
    )
    Notification.objects.create(recipient=people.manager1, kind="test", text="查看团队", link="/visits/")
    QuotaShortfall.objects.create(
        salesperson=people.sales1, day=timezone.localdate() - timedelta(days=1), required=3, actual=1
    )
    # The previous working day's report with the manager's comment: on My day, the lists and the team's page.
    report = DailyReportFactory(salesperson=people.sales1, day=default_quota_day())
    DailyReportCommentFactory(report=report, author=people.manager1)
    # Today's plan (visited 顺达, 嘉园 to visit with its navigation links) and tomorrow's, for My day and the week.
    jiayuan = CustomerFactory(
        unit_name="嘉园物业", territory=owned_tree["nanshan_clubs"], latitude=22.53, longitude=113.93
    )
    for day in (timezone.localdate(), timezone.localdate() + timedelta(days=1)):
        for customer in (shunda, jiayuan):
            add_to_plan(salesperson=people.sales1, customer_id=customer.pk, day=day, note="送报价单")
    return shunda


def measure_pages(login_as, username, paths) -> dict[str, list[str]]:
    browser_page = login_as(username)
    page = browser_page.page
    page.set_viewport_size({"width": 360, "height": 740})
    failures = {}
    for path in paths:
        response = browser_page.goto(path)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        small = too_small(page)
        if small:
            failures[path] = small
    return failures


def report(failures: dict[str, list[str]]) -> str:
    return "targets under 44×44 CSS px at 360 px:\n" + "\n".join(
        f"{path}: {item}" for path, items in failures.items() for item in items
    )


def test_the_salespersons_phone_pages_have_thumb_sized_targets(login_as, people, working_day):
    paths = [
        "/visits/today/",
        "/visits/new/",
        "/visits/route/",
        "/visits/mine/",
        "/reports/",
        "/reports/write/",
        f"/reports/{DailyReport.objects.get().pk}/",
        "/customers/",
        "/plans/",
        "/plans/versus/",
        working_day.get_absolute_url(),
        "/notifications/",
        "/notifications/settings/",
        "/account/",
    ]
    failures = measure_pages(login_as, people.sales1.username, paths)
    assert not failures, report(failures)


def test_the_managers_phone_pages_have_thumb_sized_targets(login_as, people, working_day):
    failures = measure_pages(
        login_as,
        people.manager1.username,
        [
            "/dashboard/",
            "/visits/",
            "/visits/shortfalls/",
            "/reports/team/",
            "/plans/versus/",
            f"/plans/versus/{people.sales1.pk}/",
            "/notifications/teams/",
        ],
    )
    assert not failures, report(failures)
