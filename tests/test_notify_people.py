"""Notifications that reach people (issue 19): the approvers when something is submitted to them and a reminder once
NOTIFY_REMINDER_AFTER has passed; the people whose ownership, share or commission changed, with the clause; each once
per occasion, in the app and by email (in the recipient's language, after the commit, through the task outbox)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone, translation

from attribution import services as register_services
from attribution.services import approvals_remind
from commission import notices as commission_notices
from commission import services as commission_services
from reception import services as desk_services
from reception.models import Absence
from salesoffice import outbox
from salesoffice.models import Notification, QueuedTask, StaffProfile
from salesoffice.notifications import describe, notification_email_send, notify
from salesoffice.roles import Role
from salesoffice.settings import email_mailer

from .attribution.conftest import approve, register, registered
from .commission.conftest import record
from .conftest import at, make_user, open_desk
from .own_redis import spare_port
from .test_task_outbox import broker_at

D = Decimal
AFTER = dt.timedelta(hours=4)


@pytest.fixture(autouse=True)
def reminder_after(settings):
    settings.NOTIFY_REMINDER_AFTER = AFTER


@pytest.fixture(autouse=True)
def in_english():
    """Sentences are asserted in English; each email is written in its recipient's language whatever is active."""
    with translation.override("en"):
        yield


@pytest.fixture
def director(site):
    return make_user("director", Role.SALES_DIRECTOR, [site], email="director@example.com")


@pytest.fixture
def pm(site):
    """The site's project manager, who reads Chinese."""
    manager = make_user("pm", Role.PROJECT_MANAGER, [site], email="pm@example.com")
    StaffProfile.objects.create(user=manager, language="zh-hans")
    return manager


@pytest.fixture
def people(site, salespeople):
    """ann reads English and has an address; bob has no address (in the app only)."""
    ann, bob = salespeople[:2]
    ann.email = "ann@example.com"
    ann.save(update_fields=["email"])
    StaffProfile.objects.create(user=ann, language="en")
    return ann, bob


def notes(user, kind: str) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=kind).order_by("pk"))


def emails_to(address: str) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if address in m.to]


# --- to approvers when something is submitted to them -----------------------------------------------------------------


def test_visits_awaiting_approval_tell_the_sites_project_managers_once_a_day_att_reg_1(
    site, other_site, people, pm, django_capture_on_commit_callbacks
):
    ann, _bob = people
    other_pm = make_user("opm", Role.PROJECT_MANAGER, [other_site], email="opm@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        register(site, ann, at(3, 10), phone="13800138001")
    with django_capture_on_commit_callbacks(execute=True):
        register(site, ann, at(3, 11), phone="13800138002", name="Ms Li")  # the same day: no second note

    (note,) = notes(pm, "att_reg_pending")
    assert note.rule_id == "ATT-REG-1" and note.params["day"] == "2026-03-03"
    assert not Notification.objects.filter(recipient=other_pm).exists()
    (email,) = emails_to("pm@example.com")
    assert "ATT-REG-1" in email.body and "Riverside" in email.body
    assert "等待您审批" in email.body or "审批" in email.body  # the project manager reads Chinese

    with django_capture_on_commit_callbacks(execute=True):
        register(site, ann, at(4, 10), phone="13800138003", name="Mr Zhou")  # a new day: a new occasion
    assert len(notes(pm, "att_reg_pending")) == 2


def test_an_opinion_tells_the_sales_directors_and_the_ruling_tells_every_party_with_the_clause_att_disp_1(
    site, people, pm, director, django_capture_on_commit_callbacks
):
    ann, bob = people
    huang = registered(site, ann, pm, at(3, 10))
    with django_capture_on_commit_callbacks(execute=True):
        register_services.dispute_open(
            site=site, client=huang, actor=pm, reasoning="Bob did most of the work.",
            shares=[(bob, D(60)), (ann, D(40))], now=at(11, 10),
        )  # fmt: skip
    (awaiting,) = notes(director, "att_disp_ruling")
    assert awaiting.rule_id == "ATT-DISP-1" and "Mr Huang" in describe(awaiting)

    opinion = huang.disputes.get()
    with django_capture_on_commit_callbacks(execute=True):
        register_services.dispute_decide(
            opinion=opinion, actor=director, approve=True, now=at(12, 10), note="Bob found the unit."
        )
    for party in (ann, bob, pm):
        (ruled,) = notes(party, "att_disp_ruled")
        assert ruled.params["approved"] is True
    opinion.refresh_from_db()
    assert register_services.opinion_ruled_notify(opinion=opinion, now=at(12, 11)) == 0  # run twice: once

    (email,) = [m for m in emails_to("ann@example.com") if "ruled" in m.subject]
    assert "ATT-DISP-1" in email.body and "Bob found the unit." in email.body and "approved the opinion" in email.body
    assert not emails_to("") and bob.email == ""  # bob, without an address, is told in the app only


def test_a_salespersons_deal_tells_the_project_manager_it_awaits_confirmation_com_5(site, people, pm):
    ann, _bob = people
    huang = registered(site, ann, pm, at(3, 10))
    deal = record(site, huang, ann, at(10, 15))
    (note,) = notes(pm, "com_confirm")
    assert note.rule_id == "COM-5" and deal.contract_no in describe(note)
    manager_deal = record(site, registered(site, ann, pm, at(3, 11), phone="13800138005"), ann, at(10, 16),
                          actor=pm, unit="B-1")  # fmt: skip
    assert manager_deal.is_confirmed and len(notes(pm, "com_confirm")) == 1  # nothing awaits: nobody is told


def test_extra_work_awaiting_approval_is_told_at_once_and_reminded_once_rec_rot_5(site, salespeople, supervisor, pm):
    open_desk(site, salespeople, supervisor, at(2, 9))
    absence = desk_services.absence_start(
        site=site, salesperson=salespeople[0], reason=Absence.Reason.EXTRA_WORK, detail="bank", actor=supervisor,
        now=at(2, 10),
    )  # fmt: skip
    assert desk_services.absence_approval_reminders(now=at(2, 10)) == 1
    just_before = absence.started_at + AFTER - dt.timedelta(microseconds=1)
    assert desk_services.absence_approval_reminders(now=just_before) == 0
    assert desk_services.absence_approval_reminders(now=absence.started_at + AFTER) == 1  # exactly at the threshold
    assert desk_services.absence_approval_reminders(now=absence.started_at + AFTER * 3) == 0
    reminder = Notification.objects.get(recipient=pm, params__reminder=True)
    assert "still awaits" in describe(reminder)


# --- reminders: only after the set time, once ---------------------------------------------------------------------


def test_the_reminders_fire_exactly_at_the_threshold_and_once_att_reg_1_att_disp_1_com_5(site, people, pm, director):
    ann, bob = people
    entry = register(site, ann, at(3, 10)).entry
    huang = entry.client
    other = registered(site, ann, pm, at(3, 9), phone="13800138007", name="Ms Wu")
    deal = record(site, other, ann, at(3, 15))
    opinion = register_services.dispute_open(
        site=site, client=huang, actor=pm, reasoning="x", shares=[(bob, D(100))], now=at(3, 16)
    )

    assert approvals_remind(now=entry.registered_at + AFTER - dt.timedelta(microseconds=1)) == 0
    assert approvals_remind(now=entry.registered_at + AFTER) == 1  # the register's day, to the project manager
    assert approvals_remind(now=opinion.written_at + AFTER) == 1  # the opinion, to the sales director
    assert approvals_remind(now=opinion.written_at + AFTER * 5) == 0  # still waiting, already reminded
    assert commission_notices.confirmations_remind(now=deal.recorded_at + AFTER - dt.timedelta(seconds=1)) == 0
    assert commission_notices.confirmations_remind(now=deal.recorded_at + AFTER) == 1
    assert commission_notices.confirmations_remind(now=deal.recorded_at + AFTER) == 0
    assert [n.kind for n in Notification.objects.filter(kind__endswith="remind").order_by("pk")] == [
        "att_reg_remind",
        "att_disp_remind",
        "com_confirm_remind",
    ]

    approve(entry, pm, at(3, 20))
    commission_services.deal_confirm(deal=deal, actor=pm, now=at(3, 20))
    assert approvals_remind(now=at(9, 10)) == 0  # the opinion still waits, and was reminded: once per occasion
    assert commission_notices.confirmations_remind(now=at(9, 10)) == 0  # confirmed: nothing waits


# --- to the people whose share or commission changed ------------------------------------------------------------------


def test_a_ruling_that_resplits_a_deal_tells_each_person_their_new_commission_with_the_clause(
    site, people, pm, director, django_capture_on_commit_callbacks
):
    ann, bob = people
    huang = registered(site, ann, pm, at(3, 10))
    deal = record(site, huang, ann, at(10, 15), commission="33333.33", actor=pm)
    assert not notes(ann, "com_share_changed")  # a deal's first split is no change
    register_services.dispute_open(
        site=site, client=huang, actor=pm, reasoning="Bob did most of the work.",
        shares=[(bob, D(60)), (ann, D(40))], now=at(11, 10),
    )  # fmt: skip
    (held,) = notes(ann, "com_share_changed")  # held while the director rules (ATT-DISP-1)
    assert held.rule_id == "ATT-DISP-1"
    with django_capture_on_commit_callbacks(execute=True):
        register_services.dispute_decide(opinion=huang.disputes.get(), actor=director, approve=True, now=at(12, 10))

    ann_now = notes(ann, "com_share_changed")[-1]
    bob_now = notes(bob, "com_share_changed")[-1]
    assert (ann_now.params["after"], bob_now.params["after"]) == ("13333.33", "20000.00")
    assert ann_now.rule_id == "ATT-DISP-1" and "ATT-DISP-1" in describe(ann_now)
    assert ann_now.params["clause"]["en"] and ann_now.params["clause"]["zh-hans"]
    (email,) = [m for m in emails_to("ann@example.com") if deal.contract_no in m.subject]
    assert "13333.33" in email.body and "ATT-DISP-1" in email.body


def test_a_cancellation_tells_the_salesperson_com_5(site, people, pm):
    ann, _bob = people
    deal = record(site, registered(site, ann, pm, at(3, 10)), ann, at(10, 15), actor=pm)
    commission_services.deal_cancel(deal=deal, actor=pm, reason="退房", now=at(11, 9))
    (note,) = notes(ann, "com_share_changed")
    assert note.rule_id == "COM-5" and note.params["after"] == "0.00"
    assert "Deal cancelled" in describe(note)


def test_no_owner_any_more_asks_the_project_manager_for_an_opinion_att_disp_1(site, people, pm):
    ann, _bob = people
    deal = record(site, registered(site, ann, pm, at(3, 10)), ann, at(10, 15), actor=pm)
    # The notifier on its own: a re-split that leaves the client without a valid owner (a lapse the facts now show).
    from commission.models import Split

    made = commission_notices.split_changed_notify(
        deal=deal, split=Split(pk=10**9, status="no_owner", reason="facts_changed"), before=None, now=at(11, 9)
    )
    assert made == 1 and notes(pm, "com_no_owner")[0].rule_id == "ATT-DISP-1"


# --- email: language, addresses, opt-out, once ------------------------------------------------------------------------


def _note(user, key="k1") -> Notification:
    notify(recipient_id=user.pk, key=key, kind="absence_pending", rule_id="REC-ROT-5", now=at(2, 10),
           params={"name": "Ann", "site": "Riverside"})  # fmt: skip
    return Notification.objects.get(key=key)


def test_the_email_is_in_the_recipients_language_and_sent_once(db, site, pm, people):
    ann, _bob = people
    zh, en = _note(pm, "zh"), _note(ann, "en")
    assert notification_email_send(notification_id=zh.pk, now=at(2, 10)) is True
    assert notification_email_send(notification_id=zh.pk, now=at(2, 11)) is False  # stamped: a retry sends nothing
    assert notification_email_send(notification_id=en.pk, now=at(2, 10)) is True
    (to_pm,) = emails_to("pm@example.com")
    (to_ann,) = emails_to("ann@example.com")
    assert "待您批准" in to_pm.body or "批准" in to_pm.body
    assert "awaits your approval" in to_ann.body and "REC-ROT-5" in to_ann.body
    assert "\n" not in to_ann.subject


def test_no_address_or_email_turned_off_means_the_app_only(db, site, people, pm):
    ann, bob = people
    StaffProfile.objects.filter(user=ann).update(email_notifications=False)
    for user in (ann, bob):
        assert notification_email_send(notification_id=_note(user, f"k{user.pk}").pk, now=at(2, 10)) is False
    assert mail.outbox == [] and Notification.objects.count() == 2


def test_the_email_is_queued_with_the_decision_and_dropped_with_its_rollback(db, site, pm):
    with pytest.raises(RuntimeError), transaction.atomic():
        _note(pm)
        assert QueuedTask.objects.filter(name="salesoffice.tasks.send_notification_email").exists()
        raise RuntimeError("the decision failed")
    assert not Notification.objects.exists() and not QueuedTask.objects.exists()


# serialized_rollback restores the role groups of the data migration that the flush after this test removes.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_redis_down_no_email_is_lost_and_none_is_sent_twice(site, pm):
    with broker_at(f"redis://127.0.0.1:{spare_port()}/0"):  # nothing listens there: the broker is down
        with transaction.atomic():
            note = _note(pm)
        queued = QueuedTask.objects.get(name="salesoffice.tasks.send_notification_email")
        assert queued.published_at is None and queued.attempts == 1
        assert mail.outbox == []
    # Redis is back (in-process here): the drain publishes the email, and only once.
    assert outbox.queued_tasks_publish(now=timezone.now()) == 1
    assert outbox.queued_tasks_publish(now=timezone.now()) == 0
    (email,) = mail.outbox
    assert email.to == ["pm@example.com"]
    note.refresh_from_db()
    assert note.emailed_at is not None


# --- settings --------------------------------------------------------------------------------------------------------


def test_email_settings_come_from_the_environment(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    for name in ("EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS", "EMAIL_USE_SSL"):
        monkeypatch.delenv(name, raising=False)
    assert email_mailer({}) == {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    smtps = email_mailer({"EMAIL_URL": "smtps://crm%40example.com:p%2Fw@mail.example.com"})
    assert smtps["OPTIONS"] | {} == {
        "host": "mail.example.com", "port": None, "username": "crm@example.com", "password": "p/w",
        "use_ssl": True, "use_tls": False, "timeout": 10,
    }  # fmt: skip
    assert email_mailer({"EMAIL_URL": "smtp://mail.example.com:587?tls=1"})["OPTIONS"]["use_tls"] is True
    with pytest.raises(ImproperlyConfigured):
        email_mailer({"EMAIL_URL": "smpt://mail.example.com"})
    monkeypatch.setenv("EMAIL_USE_TLS", "1")
    monkeypatch.setenv("EMAIL_USE_SSL", "1")
    with pytest.raises(ImproperlyConfigured):
        email_mailer({"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend"})


# --- the page: turning the emails off and on --------------------------------------------------------------------------


def test_a_person_turns_the_emails_off_and_on_from_the_notifications_page(
    client, site, people, django_assert_num_queries
):
    from django.urls import reverse

    ann, _bob = people
    client.force_login(ann)
    # The session, the user with their profile (which says whether emails are on), the count of notifications, the
    # roles and their permissions, the sites of the menu, the unread badge: the switch costs no query of its own.
    with django_assert_num_queries(6):
        page = client.get(reverse("notifications"))
    assert "Stop the emails" in page.content.decode() or "停止" in page.content.decode()
    with django_assert_num_queries(3):  # the session, the user, the profile's one UPDATE
        assert client.post(reverse("notifications_email"), {"email": "off"}).status_code == 302
    assert not StaffProfile.objects.get(user=ann).email_notifications
    assert notification_email_send(notification_id=_note(ann).pk, now=at(2, 10)) is False
    client.post(reverse("notifications_email"), {"email": "on"})
    assert StaffProfile.objects.get(user=ann).email_notifications
    bob = people[1]  # no profile yet: made by the switch
    client.force_login(bob)
    client.post(reverse("notifications_email"), {"email": "off"})
    assert not StaffProfile.objects.get(user=bob).email_notifications
    assert client.get(reverse("notifications_email")).status_code == 405  # a change is a POST


def test_the_email_switch_needs_a_sign_in(client, db, django_assert_num_queries):
    from django.urls import reverse

    with django_assert_num_queries(0):
        response = client.post(reverse("notifications_email"), {"email": "off"})
    assert response.status_code == 302 and "login" in response["Location"]


# --- ownership decided at the desk and later findings -----------------------------------------------------------------


def _decide(reception, manager, decision, now, **extra):
    from reception.services import change_request_decide

    from .conftest import key

    return change_request_decide(
        reception=reception, decision=decision, note="", grant_priority=False, actor=manager, now=now,
        request_key=key(), **extra,
    )  # fmt: skip


def test_a_reassignment_at_the_desk_tells_the_original_salesperson_once_rec_new_4c(
    site, salespeople, supervisor, sales_manager
):
    from reception.models import ChangeRequest

    open_desk(site, salespeople, supervisor, at(2, 9))
    first = desk_services.walk_in_arrive(site=site, actor=supervisor, request_key="w1", now=at(2, 10)).reception
    _decide(first, sales_manager, ChangeRequest.Decision.REASSIGN, at(2, 10, 5))
    (note,) = notes(salespeople[0], "rec_reassigned")
    assert note.rule_id == "REC-NEW-4c" and "lose every right" in describe(note)


def test_an_instigation_finding_tells_both_salespeople_with_its_reason_rec_des_2(
    site, salespeople, supervisor, sales_manager, pm
):
    from reception.models import ChangeRequest

    ann, _bob, cat = salespeople[:3]
    open_desk(site, salespeople, supervisor, at(2, 9))
    first = desk_services.walk_in_arrive(site=site, actor=supervisor, request_key="w2", now=at(2, 10)).reception
    result = register(site, ann, at(2, 10, 5), name="Ms Zhou", phone="13800138002", reception=first)
    approve(result.entry, pm, at(2, 10, 6))
    _decide(first, sales_manager, ChangeRequest.Decision.NAMED, at(2, 10, 30), requested_salesperson=cat)
    register_services.instigation_record(
        change_request=ChangeRequest.objects.get(reception=first), actor=sales_manager, reason="Cat phoned her",
        now=at(4, 9),
    )  # fmt: skip
    for person in (ann, cat):
        (note,) = notes(person, "att_instigation_found")
        assert note.rule_id == "REC-DES-2" and "Cat phoned her" in describe(note)
