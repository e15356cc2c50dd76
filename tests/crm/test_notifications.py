import pytest

from crm.models import Notification
from crm.services import mark_notifications_read, notify


@pytest.mark.django_db
def test_notifications_page_lists_mine_unread_until_opened(client, people):
    mine = notify(recipient=people.sales1, kind="test", text="请说明 11-25 拜访量不足", link="/visits/today/")
    other = notify(recipient=people.sales2, kind="test", text="别人的通知")
    client.force_login(people.sales1)

    before = client.get("/visits/today/").content.decode()
    page = client.get("/notifications/")

    assert 'badge text-bg-danger ms-1">1<' in before
    assert list(page.context["page_obj"]) == [mine]
    assert "别人的通知" not in page.content.decode()
    assert 'fw-semibold">' in page.content.decode()  # unread: in bold, and still unread after the list
    assert Notification.objects.filter(read_at__isnull=True).count() == 2
    client.get(f"/notifications/{mine.pk}/")
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.read_at is not None
    assert other.read_at is None


@pytest.mark.django_db
def test_mark_read_only_touches_the_recipients_unread(people):
    first = notify(recipient=people.sales1, kind="a", text="一")
    notify(recipient=people.sales1, kind="a", text="二")
    notify(recipient=people.sales2, kind="a", text="三")

    assert mark_notifications_read(recipient=people.sales1, ids=[first.id]) == 1
    assert mark_notifications_read(recipient=people.sales1) == 1
    assert mark_notifications_read(recipient=people.sales1) == 0
    assert Notification.objects.filter(read_at__isnull=True).count() == 1
