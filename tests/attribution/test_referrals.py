"""Employee referrals through their pages (ATT-EMP-1..5): the two-copy form, who may see and confirm what, every
state computed at the instant asked, and the beat job that tells referrers of a lapse once."""

import datetime as dt
import os

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from attribution import rules, services, tasks
from attribution.models import Client, Referral, VisitEntry
from attribution.selectors import client_attribution
from salesoffice.celery import app
from salesoffice.models import Notification, Site
from salesoffice.notifications import describe
from salesoffice.roles import Role
from salesoffice.timeutil import end_of_day

from ..conftest import SHANGHAI, at, make_user
from ..test_celery_broker import redis_worker  # noqa: F401 (a fixture)

CHEN = "13800138000"
APPOINTMENT = dt.date(2026, 3, 5)
ONE_MICROSECOND = dt.timedelta(microseconds=1)


def url(name: str, **kwargs) -> str:
    return reverse(f"attribution:{name}", kwargs=kwargs)


def site_url(name: str, **kwargs) -> str:
    return url(name, site="riverside", **kwargs)


@pytest.fixture
def store(db):
    return Site.objects.create(name="Corner store", code="corner", kind=Site.Kind.STORE)


@pytest.fixture
def clerk(store):
    """Staff of a store: no place in the sales office, but may refer a client to its project."""
    return make_user("clerk", Role.STORE_CLERK, [store])


def refer(site, actor, *, phone=CHEN, name="Mr Chen", day=APPOINTMENT, now=None) -> Referral:
    return services.referral_register(
        site=site, actor=actor, name=name, phone=phone, appointment_date=day, now=now or at(2, 10)
    )


def register_visit(site, salesperson, *, now, phone=CHEN, name="Mr Chen", approve_by=None) -> VisitEntry:
    entry = services.visit_register(
        site=site,
        actor=salesperson,
        salesperson=salesperson,
        name=name,
        phones=[phone],
        now=now,
        source=VisitEntry.Source.EMPLOYEE_REFERRAL,
    ).entry
    if approve_by is not None:
        services.visit_review(entry=entry, actor=approve_by, approve=True, now=now + dt.timedelta(minutes=5))
    return entry


def state(referral: Referral, now: dt.datetime) -> str:
    return services.referral_state(Referral.objects.get(pk=referral.pk), now=now).status


# --- ATT-EMP-1: registering and printing ------------------------------------------------------------------


def test_any_staff_member_refers_a_client_and_prints_the_two_copy_form_att_emp_1(
    site, clerk, browser_as, django_assert_max_num_queries, django_assert_num_queries
):
    web = browser_as(clerk)
    with time_machine.travel(at(2, 10), tick=False):
        with django_assert_num_queries(6):
            page = web.get(url("referral_new"))
        assert page.status_code == 200 and "ATT-EMP-1" in page.content.decode()
        with django_assert_num_queries(22):
            response = web.post(
                url("referral_new"),
                {"site": site.pk, "name": "Mr Chen", "phone": "138 0013 8000", "appointment_date": "2026-03-05"},
            )
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("referral_print", referral_id=referral.pk)
    assert (referral.referrer, referral.registered_by, referral.site) == (clerk, clerk, site)
    assert (referral.client.name, referral.client.phone_normalised) == ("Mr Chen", "+8613800138000")
    assert (referral.appointment_date, referral.registered_at) == (APPOINTMENT, at(2, 10))

    with django_assert_max_num_queries(6):  # session, user and rights, the referral with its site, client, people
        form = web.get(response["Location"])
    html = form.content.decode()
    assert form.status_code == 200
    assert html.count('data-testid="referral-copy"') == 2
    assert html.count("Copy for the sales assistant") == 1 and html.count("Copy for the sales office") == 1
    for text in ("Mr Chen", "138 0013 8000", "2026-03-05", "Riverside", "Clerk", "Project manager's signature"):
        assert html.count(text) >= 2, text
    assert html.count("2026-03-05") == 2 and html.count("Project manager's signature") == 2
    assert "referral-form.css" in html and "<nav" not in html  # a clean page for the printer


def test_the_print_stylesheet_fits_two_copies_on_one_a4_page():
    css = (settings.BASE_DIR / "static" / "attribution" / "referral-form.css").read_text()
    assert "@page { size: A4 portrait" in css and "@media print" in css
    assert "page-break-inside: avoid" in css


def test_a_referral_after_the_clients_first_visit_is_refused_and_saves_nothing_att_emp_1(
    site, salespeople, clerk, browser_as, django_assert_num_queries
):
    register_visit(site, salespeople[0], now=at(1, 11))
    web = browser_as(clerk)
    with time_machine.travel(at(2, 10), tick=False), django_assert_num_queries(16):
        response = web.post(
            url("referral_new"),
            {"site": site.pk, "name": "Mr Chen", "phone": CHEN, "appointment_date": "2026-03-05"},
        )
    assert response.status_code == 200
    errors = response.context["form"].errors["phone"]
    assert errors == ["The client has already visited this project: a referral must come first (ATT-EMP-1)."]
    assert "ATT-EMP-1" in response.content.decode()
    assert not Referral.objects.exists() and Client.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"phone": "12345"}, "phone", "12345 is not a valid phone number."),
        ({"phone": ""}, "phone", "This field is required."),
        ({"appointment_date": "2026-03-01"}, "appointment_date", "The appointment date cannot be in the past."),
        ({"appointment_date": "next week"}, "appointment_date", "Enter a valid date."),
        ({"name": "   "}, "name", "This field is required."),
        ({"site": "store"}, "site", "Select a valid choice. That choice is not one of the available choices."),
    ],
)
def test_bad_referral_input_is_a_field_error_and_saves_nothing(
    overrides, field, message, site, store, clerk, browser_as, django_assert_num_queries
):
    data = {"site": site.pk, "name": "Mr Chen", "phone": CHEN, "appointment_date": "2026-03-05", **overrides}
    if data["site"] == "store":
        data["site"] = store.pk
    web = browser_as(clerk)
    with time_machine.travel(at(2, 10), tick=False), django_assert_num_queries(7):
        response = web.post(url("referral_new"), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert not Referral.objects.exists() and not Client.objects.exists()


def test_one_open_referral_per_client_and_a_new_one_after_the_lapse_att_emp_2(site, clerk, salespeople):
    refer(site, clerk)
    with pytest.raises(services.RegisterError, match="already has an open referral"):
        refer(site, salespeople[0], now=at(3, 9))
    # After the appointment day the referral has lapsed: the employee may register again (ATT-EMP-2).
    again = refer(site, clerk, day=dt.date(2026, 3, 9), now=at(6, 9))
    assert Referral.objects.count() == 2 and again.client == Referral.objects.first().client


# --- Who may do what ---------------------------------------------------------------------------------------


@pytest.fixture
def people(site, salespeople, project_manager, sales_manager, sales_assistant, outsider, clerk):
    nobody = get_user_model().objects.create_user(username="nobody", password="x")
    return {
        "pm": project_manager,
        "salesmgr": sales_manager,
        "assistant": sales_assistant,
        "ann": salespeople[0],
        "outsider": outsider,
        "clerk": clerk,
        "nobody": nobody,
    }


SITE_LIST = {"pm": 200, "salesmgr": 200, "assistant": 200, "ann": 403, "outsider": 404, "clerk": 404, "nobody": 404}
PRINT = {"pm": 200, "salesmgr": 200, "assistant": 200, "ann": 404, "outsider": 404, "clerk": 200, "nobody": 404}
CONFIRM = {"pm": 302, "salesmgr": 403, "assistant": 403, "ann": 403, "outsider": 404, "clerk": 404, "nobody": 404}
MINE = {"pm": 200, "salesmgr": 200, "assistant": 200, "ann": 200, "outsider": 200, "clerk": 200, "nobody": 403}
# The queries of each request of test_permission_matrix, in its order: the site's list, the print, my referrals, a
# new one and the confirmation. Each role is refused at its own step or sees its own rows (the clerk made the
# referral; only the project manager's confirmation goes through and writes).
QUERIES = {
    "pm": (9, 4, 6, 7, 19),
    "salesmgr": (8, 4, 6, 7, 5),
    "assistant": (8, 4, 6, 7, 5),
    "ann": (5, 6, 6, 7, 5),
    "outsider": (5, 6, 6, 7, 5),
    "clerk": (5, 4, 7, 6, 5),
    "nobody": (5, 5, 4, 4, 5),
}


@pytest.mark.parametrize("who", list(SITE_LIST))
def test_permission_matrix(who, site, people, browser_as, django_assert_num_queries):
    referral = refer(site, people["clerk"])
    web = browser_as(people[who])
    requests = [
        (web.get, site_url("site_referrals"), SITE_LIST),
        (web.get, url("referral_print", referral_id=referral.pk), PRINT),
        (web.get, url("my_referrals"), MINE),
        (web.get, url("referral_new"), MINE),
        (web.post, site_url("referral_confirm", referral_id=referral.pk), CONFIRM),
    ]
    with time_machine.travel(at(5, 10), tick=False):
        for (send, address, statuses), queries in zip(requests, QUERIES[who], strict=True):
            with django_assert_num_queries(queries):
                response = send(address)
            assert response.status_code == statuses[who], address
    referral.refresh_from_db()
    assert (referral.confirmed_by is not None) == (who == "pm")


def test_anonymous_visitors_are_sent_to_log_in(site, clerk, client, django_assert_num_queries):
    referral = refer(site, clerk)
    for address in (
        url("referral_new"),
        url("my_referrals"),
        url("referral_print", referral_id=referral.pk),
        site_url("site_referrals"),
    ):
        with django_assert_num_queries(0):
            response = client.get(address)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), address
    with django_assert_num_queries(0):
        assert client.post(site_url("referral_confirm", referral_id=referral.pk)).status_code == 302
    assert Referral.objects.get().confirmed_at is None


def test_another_sites_referral_is_not_found_on_this_site(
    site, other_site, clerk, project_manager, browser_as, django_assert_num_queries
):
    theirs = refer(other_site, clerk)
    web = browser_as(project_manager)
    with time_machine.travel(at(5, 10), tick=False):
        with django_assert_num_queries(6):
            assert web.post(site_url("referral_confirm", referral_id=theirs.pk)).status_code == 404
        with django_assert_num_queries(6):
            assert web.get(url("referral_print", referral_id=theirs.pk)).status_code == 404
    assert Referral.objects.get().confirmed_at is None


# --- States, computed at the instant (ATT-EMP-2..5) -----------------------------------------------------


def test_a_referral_lapses_exactly_at_the_end_of_the_appointment_day_att_emp_2(
    site, clerk, project_manager, browser_as, django_assert_num_queries
):
    referral = refer(site, clerk)
    last_instant = end_of_day(APPOINTMENT, SHANGHAI)
    assert state(referral, at(5, 0)) == rules.REFERRAL_PENDING
    assert state(referral, last_instant) == rules.REFERRAL_PENDING
    assert state(referral, last_instant + ONE_MICROSECOND) == rules.REFERRAL_LAPSED
    # The list computes it too: no job has run.
    web = browser_as(project_manager)
    with time_machine.travel(last_instant + ONE_MICROSECOND, tick=False), django_assert_num_queries(9):
        row = web.get(site_url("site_referrals")).context["rows"][0]
    assert (row.status, row.rule_ids) == (rules.REFERRAL_LAPSED, "ATT-EMP-2")
    assert not Notification.objects.exists()


def test_the_lapse_job_run_twice_notifies_the_referrer_once_att_emp_2(site, clerk, salespeople):
    lapsed = refer(site, clerk)
    refer(site, clerk, phone="13900139000", name="Ms Lin", day=dt.date(2026, 3, 6))  # still pending
    with time_machine.travel(end_of_day(APPOINTMENT, SHANGHAI), tick=False):
        assert tasks.notify_lapsed_referrals.apply().get() == 0  # the last instant of the day: not yet
    with time_machine.travel(at(6, 0, 15), tick=False):
        assert tasks.notify_lapsed_referrals.apply().get() == 1
        assert tasks.notify_lapsed_referrals.apply().get() == 0
    note = Notification.objects.get()
    assert (note.recipient, note.kind, note.rule_id, note.site) == (clerk, "referral_lapsed", "ATT-EMP-2", site)
    assert describe(note) == (
        "Your referral of Mr Chen lapsed: the client did not come on 2026-03-05; you may refer again — ATT-EMP-2"
    )
    assert Referral.objects.get(pk=lapsed.pk).lapse_notified


def test_the_lapse_job_is_on_the_beat_schedule_with_the_weekly_report():
    tasks_scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"attribution.tasks.notify_lapsed_referrals", "attribution.tasks.generate_weekly_client_report"} <= (
        tasks_scheduled
    )


def test_confirmed_on_the_day_the_referral_is_valid_and_a_deal_splits_30_70_att_emp_3_att_emp_5(
    site, clerk, salespeople, project_manager, browser_as, django_assert_num_queries
):
    ann = salespeople[0]
    referral = refer(site, clerk)
    register_visit(site, ann, now=at(5, 10), approve_by=project_manager)
    web = browser_as(project_manager)
    with time_machine.travel(at(5, 10, 30), tick=False), django_assert_num_queries(33):
        response = web.post(site_url("referral_confirm", referral_id=referral.pk), follow=True)
    assert "is confirmed" in response.content.decode() and "ATT-EMP-3" in response.content.decode()
    referral.refresh_from_db()
    assert (referral.confirmed_by, referral.confirmed_at) == (project_manager, at(5, 10, 30))
    assert state(referral, at(6, 9)) == rules.REFERRAL_VALID

    attribution = client_attribution(client=referral.client, site=site, now=at(6, 9))
    assert attribution.owner_id == ann.pk
    assert {(s.kind, s.user_id): s.percent for s in attribution.shares} == {
        (rules.REFERRER, clerk.pk): 30,
        (rules.SALESPERSON, ann.pk): 70,
    }
    assert "ATT-EMP-5" in attribution.rule_ids


def test_not_confirmed_at_the_visit_the_referral_is_void_and_nobody_is_told_of_a_lapse_att_emp_4(
    site, clerk, salespeople, project_manager
):
    ann = salespeople[0]
    referral = refer(site, clerk)
    register_visit(site, ann, now=at(5, 15), approve_by=project_manager)
    assert state(referral, at(5, 23)) == rules.REFERRAL_PENDING  # the day is not over
    assert state(referral, at(6, 0)) == rules.REFERRAL_VOID
    assert services.referral_lapse_notifications(now=at(6, 0, 15)) == 0
    assert Referral.objects.get().lapse_notified  # settled: later runs no longer read it
    attribution = client_attribution(client=referral.client, site=site, now=at(6, 9))
    assert {(s.kind, s.user_id): s.percent for s in attribution.shares} == {(rules.SALESPERSON, ann.pk): 100}


def test_a_client_a_salesperson_registered_before_the_day_rejects_the_referral_att_emp_3(
    site, clerk, salespeople, project_manager, browser_as, django_assert_num_queries
):
    referral = refer(site, clerk)
    register_visit(site, salespeople[0], now=at(3, 11), approve_by=project_manager)
    assert state(referral, at(3, 12)) == rules.REFERRAL_REJECTED
    web = browser_as(project_manager)
    with time_machine.travel(at(5, 10), tick=False):
        with django_assert_num_queries(25):
            response = web.post(site_url("referral_confirm", referral_id=referral.pk), follow=True)
        row = response.context["rows"][0]
    messages = [str(m) for m in response.context["messages"]]
    assert messages == [
        "A salesperson had already registered the client before the referral: the claim is rejected. (ATT-EMP-3)"
    ]
    assert (row.status, row.rule_ids) == (rules.REFERRAL_REJECTED, "ATT-EMP-3")
    assert Referral.objects.get().confirmed_at is None


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (at(4, 16), "A referral is confirmed on its appointment day, at the visit (ATT-EMP-3)."),
        (at(6, 9), "The appointment day is over: the referral lapsed (ATT-EMP-2)."),
    ],
)
def test_a_confirmation_off_the_appointment_day_is_refused_with_the_clause(
    when, message, site, clerk, project_manager, browser_as, django_assert_num_queries
):
    referral = refer(site, clerk)
    web = browser_as(project_manager)
    with time_machine.travel(when, tick=False), django_assert_num_queries(25):
        response = web.post(site_url("referral_confirm", referral_id=referral.pk), follow=True)
    assert [str(m) for m in response.context["messages"]] == [message]
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert Referral.objects.get().confirmed_at is None


def test_nobody_confirms_their_own_referral(site, project_manager, browser_as, django_assert_num_queries):
    referral = refer(site, project_manager)
    web = browser_as(project_manager)
    with time_machine.travel(at(5, 10), tick=False), django_assert_num_queries(15):
        response = web.post(site_url("referral_confirm", referral_id=referral.pk), follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Nobody confirms their own referral."]
    assert Referral.objects.get().confirmed_at is None


# --- Lists and their queries -----------------------------------------------------------------------------


def _referrals(site, other_site, clerk, salespeople, project_manager, count: int, start: int) -> None:
    """`count` referrals by the clerk on both sites, every state among them (some clients visit)."""
    for n in range(start, start + count):
        phone = f"1380000{n:04d}"
        where = site if n % 2 else other_site
        refer(where, clerk, phone=phone, name=f"Client {n}", day=APPOINTMENT, now=at(2, 10))
        if n % 3 == 0 and where == site:
            register_visit(site, salespeople[0], phone=phone, name=f"Client {n}", now=at(5, 11))


def test_list_queries_do_not_grow_with_the_page(
    site,
    other_site,
    clerk,
    salespeople,
    project_manager,
    browser_as,
    django_assert_max_num_queries,
    django_assert_num_queries,
):
    """The site's list and the referrer's list cost the same with 4 referrals and with 44 on two sites: the
    page's register entries are one query (ATT-EMP-1..4 computed in Python from them)."""
    _referrals(site, other_site, clerk, salespeople, project_manager, 4, 0)
    pages = {"site": (project_manager, site_url("site_referrals")), "mine": (clerk, url("my_referrals"))}
    counts, few = {}, {}
    with time_machine.travel(at(6, 9), tick=False):
        for name, (user, address) in pages.items():
            web = browser_as(user)
            web.get(address)  # warm up: content types, the session
            with django_assert_max_num_queries(12) as captured:
                few[name] = web.get(address)
            counts[name] = len(captured)
    _referrals(site, other_site, clerk, salespeople, project_manager, 40, 100)
    many = {}
    with time_machine.travel(at(6, 9), tick=False):
        for name, (user, address) in pages.items():
            web = browser_as(user)
            with django_assert_num_queries(counts[name]):
                many[name] = web.get(address)
    assert len(few["site"].context["rows"]) == 2 and len(many["site"].context["rows"]) == 22
    assert len(few["mine"].context["rows"]) == 4 and len(many["mine"].context["rows"]) == 25  # a page
    assert "Page 1 of 2" in many["mine"].content.decode()
    assert {row.status for row in many["site"].context["rows"]} == {rules.REFERRAL_LAPSED, rules.REFERRAL_VOID}
    html = many["site"].content.decode()  # each row shows its state with the clause
    assert "ATT-EMP-2" in html and "ATT-EMP-4" in html


def test_the_project_manager_sees_a_confirm_button_on_the_appointment_day_only(
    site, clerk, project_manager, browser_as, django_assert_num_queries
):
    referral = refer(site, clerk)
    confirm = site_url("referral_confirm", referral_id=referral.pk)
    web = browser_as(project_manager)
    for day, shown in ((4, False), (5, True), (6, False)):
        with time_machine.travel(at(day, 9), tick=False), django_assert_num_queries(9):
            assert (confirm in web.get(site_url("site_referrals")).content.decode()) is shown, day


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (bin/test sets it)")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("redis_worker")
def test_the_lapse_job_runs_on_a_redis_worker_and_notifies_once_att_emp_2(site, clerk):
    refer(site, clerk, day=dt.date(2020, 3, 5), now=at(2, 10, year=2020))  # long over: lapsed
    first = tasks.notify_lapsed_referrals.delay().get(timeout=30)
    second = tasks.notify_lapsed_referrals.delay().get(timeout=30)
    assert (first, second) == (1, 0)
    assert Notification.objects.filter(recipient=clerk, rule_id="ATT-EMP-2").count() == 1
