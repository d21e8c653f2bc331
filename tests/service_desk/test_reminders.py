"""The beat jobs: reminders before and escalations after every deadline, once per occasion (run twice, notify once),
right even when the scheduler was down (the states are computed from stored deadlines)."""

import pytest
import time_machine

from salesoffice.models import Notification
from salesoffice.roles import Role
from service_desk import reminders, services, tasks
from service_desk.models import OfficeSettings

from ..conftest import at, make_user
from .conftest import callback_form, register_complaint, register_question, register_repair


def kinds_for(user) -> list[str]:
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_the_reply_reminder_is_sent_once_when_the_job_runs_twice_SVC_FIRST_1(office, desk_staff, director):
    register_question(office, desk_staff, at(2, 10))  # reply due 3 March 10:00, reminder from 08:00

    assert reminders.deadline_notifications(now=at(3, 7, 59)) == 0
    assert reminders.deadline_notifications(now=at(3, 8)) == 1
    assert reminders.deadline_notifications(now=at(3, 9)) == 0
    assert kinds_for(desk_staff) == ["svc_reply_due"]


def test_each_office_reminds_by_its_own_lead_SVC_FIRST_1(office, other_office, desk_staff):
    # The leads are compared without interval arithmetic in SQL, which the embedded SQLite cannot do.
    OfficeSettings.objects.create(site=office, reminder_hours=5)
    other_desk = make_user("other-desk", Role.SERVICE_DESK_STAFF, [other_office])  # no settings: the default, 2
    register_question(office, desk_staff, at(2, 10))  # both replies due 3 March 10:00
    register_question(other_office, other_desk, at(2, 10))

    assert reminders.deadline_notifications(now=at(3, 4, 59)) == 0
    assert reminders.deadline_notifications(now=at(3, 5)) == 1
    assert reminders.deadline_notifications(now=at(3, 7, 59)) == 0
    assert reminders.deadline_notifications(now=at(3, 8)) == 1
    assert kinds_for(desk_staff) == ["svc_reply_due"]
    assert kinds_for(other_desk) == ["svc_reply_due"]


def test_the_celery_task_twice_makes_one_reminder(office, desk_staff):
    register_question(office, desk_staff, at(2, 10))
    with time_machine.travel(at(3, 9), tick=False):
        tasks.service_deadline_reminders.delay()
        tasks.service_deadline_reminders.delay()
    assert Notification.objects.filter(kind="svc_reply_due").count() == 1


def test_an_overdue_reply_escalates_to_the_director_once_SVC_FIRST_1(office, desk_staff, director):
    register_question(office, desk_staff, at(2, 10))
    assert reminders.deadline_notifications(now=at(3, 10)) == 1  # the deadline instant: a reminder, not overdue
    # The scheduler was down until the next afternoon: the item is overdue all the same.
    assert reminders.deadline_notifications(now=at(4, 15)) == 2
    assert reminders.deadline_notifications(now=at(4, 16)) == 0
    assert kinds_for(director) == ["svc_reply_overdue"]
    assert kinds_for(desk_staff) == ["svc_reply_due", "svc_reply_overdue"]


def test_a_closed_request_is_not_chased(office, desk_staff, director):
    item = register_question(office, desk_staff, at(2, 10))
    services.request_close(item=item, actor=desk_staff, reply="Water back at 6 pm", solved=True, now=at(2, 11))
    assert reminders.deadline_notifications(now=at(4, 10)) == 0


def test_a_complaint_escalates_after_its_deadline_SVC_COMP_1(office, desk_staff, director):
    register_complaint(office, desk_staff, at(2, 10), category="neighbours")
    reminders.deadline_notifications(now=at(5, 10, 1))
    reminders.deadline_notifications(now=at(5, 10, 2))
    assert Notification.objects.filter(kind="svc_complaint_overdue", recipient=director).count() == 1


def test_callback_reminder_then_escalation_SVC_CB_3(office, desk_staff, repair_staff, repair_lead, director):
    item = register_repair(office, desk_staff, at(1, 10), category="safety", appointment=at(1, 14))
    services.repair_complete(repair=item.repair, actor=repair_staff, now=at(1, 15))  # due end of 3 March
    reminders.deadline_notifications(now=at(3, 22))
    reminders.deadline_notifications(now=at(3, 22, 30))
    assert Notification.objects.filter(kind="svc_callback_due", recipient=repair_lead).count() == 1
    reminders.deadline_notifications(now=at(4, 0))
    reminders.deadline_notifications(now=at(4, 1))
    assert Notification.objects.filter(kind="svc_callback_overdue", recipient=director).count() == 1


def test_rectification_escalates_to_the_repair_lead_SVC_CB_5(office, desk_staff, repair_staff, repair_lead, director):
    item = register_repair(office, desk_staff, at(2, 10), staff=repair_staff)
    done = services.repair_complete(repair=item.repair, actor=repair_staff, now=at(2, 16))
    services.callback_record(completion=done, actor=director, now=at(3, 9), **callback_form(problem="Still drips"))
    reminders.deadline_notifications(now=at(4, 9, 1))
    reminders.deadline_notifications(now=at(4, 9, 2))
    assert Notification.objects.filter(kind="svc_rectification_overdue", recipient=repair_lead).count() == 1
    assert Notification.objects.filter(kind="svc_rectification_overdue", recipient=repair_staff).count() == 1


@pytest.mark.parametrize("runs", [1, 2])
def test_monthly_callback_rates_are_told_once_SVC_CB_2(office, desk_staff, repair_staff, repair_lead, director, runs):
    item = register_repair(office, desk_staff, at(2, 10))
    done = services.repair_complete(repair=item.repair, actor=repair_staff, now=at(2, 16))
    services.callback_record(completion=done, actor=repair_lead, now=at(3, 9), **callback_form())
    for _ in range(runs):
        reminders.monthly_rate_notifications(now=at(1, 0, 17, month=4))
    rates = Notification.objects.get(kind="svc_callback_rates", recipient=director)
    assert rates.params == {"month": "2026-03", "short": ["office_director", "administrator"]}
    assert Notification.objects.filter(kind="svc_callback_rates").count() == 2
