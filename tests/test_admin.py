"""The admin shows everything to an admin, and refuses to edit permanent records (ATT-REG-1, append-only)."""

import pytest
import time_machine
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attribution.models import Client, VisitApproval, VisitEntry
from reception import services
from salesoffice.models import Site
from salesoffice.roles import Role
from service_desk import services as service

from .conftest import at, key, make_user, open_desk
from .service_desk.conftest import register_repair

# The queries of each changelist (by `app_label.model_name`) that runs more than 5, as measured with the rows of
# test_every_registered_changelist_opens.
CHANGELIST_QUERIES = {
    "attribution.companyclientmark": 6,
    "attribution.disputeopinion": 6,
    "attribution.followup": 6,
    "attribution.oldclientintroduction": 6,
    "attribution.recognition": 6,
    "attribution.referral": 6,
    "attribution.spouselink": 6,
    "attribution.visitentry": 6,
    "auth.user": 6,
    "commission.deal": 6,
    "commission.ledgerentry": 6,
    "reception.absence": 6,
    "reception.dutyassignment": 6,
    "reception.phoneinquiry": 6,
    "reception.priorityslot": 6,
    "reception.readinesscheck": 6,
    "reception.reception": 6,
    "reception.rotaevent": 6,
    "reception.rotamember": 6,
    "reception.violation": 6,
    "salesoffice.notification": 6,
    "salesoffice.queuedtask": 6,
    "salesoffice.sitemembership": 6,
    "service_desk.servicerequest": 6,
    "vip.customer": 6,
    "vip.reward": 6,
    "vip.smsdelivery": 6,
    "axes.accessattempt": 8,
    "axes.accesslog": 8,
    "axes.accessfailurelog": 8,
}


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", "root-pass-1234")


def test_every_registered_changelist_opens(client, superuser, site, salespeople, supervisor, django_assert_num_queries):
    open_desk(site, salespeople, supervisor, at(2, 9))
    services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 10))
    client.force_login(superuser)
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        with django_assert_num_queries(CHANGELIST_QUERIES.get(model._meta.label_lower, 5)):
            response = client.get(url)
        assert response.status_code == 200, url


def test_visit_register_cannot_be_edited_or_deleted_in_the_admin_att_reg_1(
    client, superuser, site, salespeople, django_assert_num_queries
):
    ann = salespeople[0]
    person = Client.objects.create(
        name="Ms Lin", phone="13800138002", phone_normalised="+8613800138002", created_at=at(1, 9)
    )
    entry = VisitEntry.objects.create(
        client=person, site=site, salesperson=ann, visited_at=at(1, 9), registered_at=at(1, 9), registered_by=ann
    )
    VisitApproval.objects.create(entry=entry, approved_by=superuser, approved_at=at(1, 18))
    client.force_login(superuser)
    change = reverse("admin:attribution_visitentry_change", args=[entry.pk])
    delete = reverse("admin:attribution_visitentry_delete", args=[entry.pk])
    with django_assert_num_queries(10):
        assert client.post(change, {"note": "rewritten"}).status_code == 403
    with django_assert_num_queries(10):
        assert client.post(delete, {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.note == ""
    assert VisitEntry.objects.filter(pk=entry.pk).exists()


def test_lunch_hours_changed_in_the_admin_show_on_the_board_at_once(
    client, superuser, site, salespeople, supervisor, django_assert_num_queries
):
    """The board is answered by its version (204, or the rendered board from the cache): a change in the admin
    must move the version on, or terminals would keep the old lunch duty (REC-ROT-7) until the next minute."""
    open_desk(site, salespeople, supervisor, at(2, 9))
    with time_machine.travel(at(2, 12, 30), tick=False):
        client.force_login(supervisor)
        state = reverse("reception:board_state", kwargs={"site": site.code})
        with django_assert_num_queries(13):
            before = client.get(state, headers={"HX-Request": "true"})
        assert before.context["board"].lunch_time
        client.force_login(superuser)
        change = reverse("admin:reception_desksettings_change", args=[site.pk])
        form = {
            "site": site.pk,
            "carry_over_order": "on",
            "lunch_start": "13:00",
            "lunch_end": "14:00",
            "void_window_minutes": 10,
        }
        with django_assert_num_queries(12):
            assert client.post(change, {**form, "duty_reception_grants_priority": "on"}).status_code == 302
        client.force_login(supervisor)
        with django_assert_num_queries(13):
            after = client.get(state, {"token": before.context["board"].token}, headers={"HX-Request": "true"})
    assert after.status_code == 200 and not after.context["board"].lunch_time


def test_ownership_facts_are_read_only_in_the_admin_and_a_client_page_opens(
    client, superuser, site, django_assert_num_queries
):
    from .conftest import client_with_phone

    person = client_with_phone("Ms Lin", "13800138002", at(1, 9))
    client.force_login(superuser)
    with django_assert_num_queries(5):
        assert client.get(reverse("admin:attribution_client_change", args=[person.pk])).status_code == 200
    for model in ("recognition", "spouselink", "companyclientmark", "oldclientintroduction", "referral"):
        with django_assert_num_queries(6):
            assert client.get(reverse(f"admin:attribution_{model}_add")).status_code == 403, model


def test_history_tables_admin_pages_cost_the_same_queries_with_more_rows(client, superuser, django_assert_num_queries):
    """Issue 17: a list whose rows' labels read their foreign keys (an appointment is named by its repair's
    request) joins them, and a form types a key to a table that grows with history as an id instead of listing
    every row in a select (each option's label read with a query of its own)."""
    office = Site.objects.create(name="Garden Court", code="garden", kind=Site.Kind.PROPERTY_OFFICE)
    desk = make_user("desk", Role.SERVICE_DESK_STAFF, [office])
    fixer = make_user("fixer", Role.REPAIR_STAFF, [office])

    def repairs(count: int, day: int) -> None:
        for n in range(count):
            item = register_repair(office, desk, at(day, 9, n), staff=fixer, phone=f"1380013{day:02d}{n:02d}")
            service.repair_complete(repair=item.repair, actor=fixer, work_done="done", charges=0, now=at(day, 16, n))

    pages = [
        reverse(f"admin:service_desk_{name}")
        for name in ("appointment_changelist", "completion_changelist", "repair_changelist", "appointment_add")
    ]
    client.force_login(superuser)

    def queries() -> list[int]:
        counts = []
        for url in pages:
            client.get(url)  # the content types and permissions read once
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200, url
            counts.append(len(captured))
        return counts

    repairs(1, 2)
    one = queries()
    repairs(5, 3)

    assert queries() == one
    with django_assert_num_queries(3):
        assert 'class="vForeignKeyRawIdAdminField"' in client.get(pages[-1]).content.decode()
