"""The audit history page: who changed what and when, only for the sites the reader may see."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from attribution.models import Client
from reception.models import RotaMember
from salesoffice.roles import Role

from .conftest import at, make_user


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def clock():
    """Sites and people are set up on the morning of 1 March; the clock runs on from there."""
    with time_machine.travel(at(1, 8), tick=True):
        yield


def history(client, model: str, **params):
    response = client.get(reverse("audit_history"), {"model": model, **params})
    assert response.status_code == 200
    return response


def swap(client, site, first: str, second: str, reason: str):
    a, b = (RotaMember.objects.get(site=site, salesperson__username=n) for n in (first, second))
    response = client.post(
        reverse("reception:rota_swap", kwargs={"site": site.code}),
        {"swap-first": a.pk, "swap-second": b.pk, "swap-reason": reason},
    )
    assert response.status_code == 302


@pytest.fixture
def swapped(site, salespeople, supervisor, client):
    """The supervisor swapped ann (1) and bob (2) through the rota page at 2 March 10:15."""
    client.force_login(supervisor)
    with time_machine.travel(at(2, 10, 15), tick=False):
        swap(client, site, "ann", "bob", "ann trains the new hire")
    return at(2, 10, 15)


def test_a_manager_sees_who_changed_the_rota_and_what(
    swapped, site, client, project_manager, django_assert_num_queries
):
    client.force_login(project_manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with django_assert_num_queries(10):
        response = history(client, "reception.RotaMember")
    changed = [row for row in response.context["rows"] if row.action == "changed"]
    assert len(changed) == 2
    by_person = {row.obj.split(" · ")[1]: row for row in changed}
    assert set(by_person) == {"Ann", "Bob"}
    assert by_person["Ann"].who == "Supervisor" and by_person["Bob"].who == "Supervisor"
    assert by_person["Ann"].when == swapped
    assert by_person["Ann"].changes == [("position", "1", "2")]
    assert by_person["Bob"].changes == [("position", "2", "1")]
    # The five places were created before (by no signed-in user: the system).
    created = [row for row in response.context["rows"] if row.action == "created"]
    assert len(created) == 5 and {row.who for row in created} == {"system"}
    page = response.content.decode()
    assert "Supervisor" in page and "position</strong>: 1 → 2" in page
    assert "2026-03-02 10:15:00" in page  # in the site's zone (Asia/Shanghai)


def test_someone_of_another_site_sees_none_of_this_sites_rows(
    swapped, site, other_site, client, outsider, django_assert_num_queries
):
    zoe = make_user("zoe", Role.SALESPERSON, [other_site])
    theirs = RotaMember.objects.create(site=other_site, salesperson=zoe, position=1)
    client.force_login(outsider)
    # The queries of each model's history, as measured.
    queries = {
        "reception.RotaMember": 9,
        "reception.DeskSettings": 7,
        "salesoffice.Site": 7,
        "salesoffice.SiteMembership": 9,
    }
    for model in ("reception.RotaMember", "reception.DeskSettings", "salesoffice.Site", "salesoffice.SiteMembership"):
        with django_assert_num_queries(queries[model]):
            rows = history(client, model).context["rows"]
        assert rows, model  # their own site's history is there...
        assert all("Riverside" not in row.obj and "Ann" not in row.obj for row in rows), model
    with django_assert_num_queries(queries["reception.RotaMember"]):
        rota_rows = history(client, "reception.RotaMember").context["rows"]
    assert [row.obj for row in rota_rows] == [f"#{theirs.pk} · Zoe"]
    with django_assert_num_queries(queries["salesoffice.Site"]):
        site_rows = history(client, "salesoffice.Site").context["rows"]
    assert [row.obj for row in site_rows] == [f"#{other_site.pk} · Hillside"]
    with django_assert_num_queries(queries["reception.RotaMember"]):
        page = history(client, "reception.RotaMember")
    assert "Ann" not in page.content.decode()


def test_clients_history_is_only_for_those_who_see_every_site(site, client, supervisor, django_assert_num_queries):
    Client.objects.create(name="Mr Li", phone="13900139000", phone_normalised="+8613900139000", created_at=at(1, 9))
    client.force_login(supervisor)
    with django_assert_num_queries(5):  # no rows to read for a supervisor
        assert history(client, "attribution.Client").context["rows"] == []
    director = make_user("director", Role.SALES_DIRECTOR, [])
    client.force_login(director)
    with django_assert_num_queries(7):
        rows = history(client, "attribution.Client").context["rows"]
    assert [row.obj for row in rows][0].endswith("Mr Li")


def test_an_unknown_model_falls_back_to_the_first(swapped, client, supervisor, django_assert_num_queries):
    client.force_login(supervisor)
    with django_assert_num_queries(10):
        response = history(client, "auth.User")
    assert response.context["current"] == "reception.RotaMember"


def test_changes_are_shown_across_pages_and_the_query_count_does_not_grow(
    swapped, site, client, supervisor, django_assert_max_num_queries, django_assert_num_queries
):
    """Each row compares with the record just before it, even when that record is on the next page."""
    url_params = {"model": "reception.RotaMember"}
    client.force_login(supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with django_assert_max_num_queries(12) as captured:
        history(client, **url_params)
    few = len(captured)
    start = at(3, 9)
    for n in range(40):
        with time_machine.travel(start + dt.timedelta(minutes=n), tick=False):
            swap(client, site, "cat", "dan", f"swap {n}")
    with django_assert_num_queries(few):
        first = history(client, **url_params)
    with django_assert_num_queries(few):
        second = history(client, **url_params, page=2)
    rows = first.context["rows"] + second.context["rows"]
    assert len(rows) == 60 and first.context["page"].paginator.count == 80 + 2 + 5
    assert [r for r in rows if not (r.changes and r.changes[0][0] == "position")] == []
    # Newest first: the last swap moved cat back to 3 and dan to 4.
    newest = {row.obj.split(" · ")[1]: row.changes for row in rows[:2]}
    assert newest == {"Cat": [("position", "4", "3")], "Dan": [("position", "3", "4")]}
    assert "?model=reception.RotaMember&page=2" in first.content.decode()


def test_a_salesperson_may_not_read_the_history(site, salespeople, client, django_assert_num_queries):
    client.force_login(salespeople[0])
    with django_assert_num_queries(5):
        assert client.get(reverse("audit_history")).status_code == 403


def test_an_absence_decision_reads_as_labels_and_names(
    site, salespeople, supervisor, project_manager, client, django_assert_num_queries
):
    from reception import services
    from reception.models import Absence

    with time_machine.travel(at(2, 11), tick=False):
        absence = services.absence_start(
            site=site, salesperson=salespeople[4], reason="extra_work", detail="bank", actor=supervisor, now=at(2, 11)
        )
    client.force_login(project_manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with time_machine.travel(at(2, 11, 5), tick=False), django_assert_num_queries(19):
        response = client.post(
            reverse("reception:absence_decide", kwargs={"site": "riverside"}),
            {"absence": absence.pk, "decision": "approve"},
        )
    assert response.status_code == 302
    rows = history(client, "reception.Absence").context["rows"]
    assert [(row.action, row.who) for row in rows] == [("changed", "Pm"), ("created", "system")]
    changes = dict((field, (old, new)) for field, old, new in rows[0].changes)
    assert changes["approval"] == ("Awaiting the project manager", "Approved")
    assert changes["decided by"] == ("—", "Pm")
    assert rows[0].when == at(2, 11, 5)
    assert Absence.objects.get().approval == "approved"


def test_yes_no_and_related_objects_read_as_words_and_names(
    site, salespeople, supervisor, client, django_assert_num_queries
):
    """Booleans read Yes/No (translated) and foreign keys as the related object, not as True or an id."""
    from reception import services
    from reception.models import Absence

    from .conftest import key, open_desk

    ann = salespeople[0]
    open_desk(site, salespeople, supervisor, at(2, 9))
    absence = services.absence_start(
        site=site, salesperson=ann, reason=Absence.Reason.EXTRA_WORK, detail="bank", actor=supervisor, now=at(2, 9, 1)
    )
    services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 9, 2))  # ann's turn passes
    services.absence_end(site=site, salesperson=ann, actor=supervisor, now=at(2, 9, 3))
    pm = make_user("pm", Role.PROJECT_MANAGER, [site])
    services.absence_decide(absence=absence, approve=True, actor=pm, now=at(2, 9, 4))
    taken = services.walk_in_arrive(
        site=site, actor=supervisor, request_key=key(), now=at(2, 9, 5), client_label="Mr Chen"
    ).reception
    assert taken.salesperson == ann  # on her priority slot
    member = RotaMember.objects.get(salesperson=salespeople[4])
    member.active = False
    member.save(update_fields=["active"])

    client.force_login(supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with django_assert_num_queries(12):
        slots = history(client, "reception.PrioritySlot").context["rows"]
    used = [dict((f, (old, new)) for f, old, new in row.changes) for row in slots]
    assert ("—", "New walk-in on a priority slot Mr Chen") in [changes.get("used by") for changes in used]
    with django_assert_num_queries(10):
        members = history(client, "reception.RotaMember").context["rows"]
    assert dict((f, (old, new)) for f, old, new in members[0].changes)["in the rota"] == ("Yes", "No")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    with django_assert_num_queries(10):
        members = history(client, "reception.RotaMember").context["rows"]
    assert dict((f, (old, new)) for f, old, new in members[0].changes)["在排班表中"] == ("是", "否")
