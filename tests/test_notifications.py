"""Beat jobs only notify, and a job run twice notifies once (RULES.md: deadlines the scheduler watches)."""

from django.urls import reverse

from reception import services
from reception.models import Absence
from reception.tasks import remind_pending_absence_approvals
from salesoffice.models import Notification
from salesoffice.roles import Role

from .conftest import at, make_user, open_desk


def test_pending_extra_work_is_notified_once_to_the_sites_project_managers_rec_rot_5(
    site, other_site, salespeople, supervisor, project_manager
):
    other_pm = make_user("other_pm", Role.PROJECT_MANAGER, [other_site])
    open_desk(site, salespeople, supervisor, at(2, 9))
    services.absence_start(
        site=site,
        salesperson=salespeople[0],
        reason=Absence.Reason.EXTRA_WORK,
        detail="contract delivery",
        actor=supervisor,
        now=at(2, 10),
    )

    assert services.absence_approval_reminders(now=at(2, 10, 5)) == 1
    assert services.absence_approval_reminders(now=at(2, 10, 10)) == 0
    # The beat task runs at the real time, long after NOTIFY_REMINDER_AFTER: the reminder (issue 19), once.
    assert remind_pending_absence_approvals.apply().get() == 1
    assert remind_pending_absence_approvals.apply().get() == 0

    note = Notification.objects.get(key__endswith=f":{project_manager.pk}", params__reminder__isnull=True)
    assert note.recipient == project_manager
    assert note.rule_id == "REC-ROT-5"
    assert not Notification.objects.filter(recipient=other_pm).exists()


def test_notification_page_lists_and_marks_read(
    client, site, salespeople, supervisor, project_manager, django_assert_max_num_queries, django_assert_num_queries
):
    open_desk(site, salespeople, supervisor, at(2, 9))
    services.absence_start(
        site=site,
        salesperson=salespeople[1],
        reason=Absence.Reason.EXTRA_WORK,
        detail="site visit",
        actor=supervisor,
        now=at(2, 10),
    )
    services.absence_approval_reminders(now=at(2, 10, 1))
    client.force_login(project_manager)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("notifications"))
    assert page.status_code == 200
    assert "REC-ROT-5" in page.content.decode()
    with django_assert_num_queries(3):
        assert client.post(reverse("notifications")).status_code == 302
    assert not Notification.objects.filter(read_at__isnull=True).exists()
