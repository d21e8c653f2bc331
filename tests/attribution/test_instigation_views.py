"""The sales manager's finding, after a switch, that the named salesperson instigated it (REC-DES-2), from the client
page: only the sales manager may record it (others 403), with a reason, once; the timeline and the split follow."""

import pytest
from django.urls import reverse

from reception import services as desk
from reception.models import ChangeRequest, InstigationFinding

from ..conftest import at, key, open_desk
from ..reception.test_views import text_of
from .conftest import approve, register

HTMX = {"HX-Request": "true"}


def url(name: str, client, site: str = "riverside") -> str:
    return reverse(f"attribution:{name}", kwargs={"site": site, "client_id": client.pk})


@pytest.fixture
def switched(site, salespeople, supervisor, sales_manager, project_manager):
    """On 2 March Ann receives Ms Zhou and registers her; at 10:30 the sales manager gives her Cat, whom she insists
    on (REC-DES-2). Returns (the switch, the client)."""
    ann, _bob, cat = salespeople[:3]
    open_desk(site, salespeople, supervisor, at(2, 9))
    first = desk.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 10)).reception
    result = register(site, ann, at(2, 10, 5), name="Ms Zhou", phone="13800138002", reception=first)
    approve(result.entry, project_manager, at(2, 18))
    desk.change_request_decide(
        reception=first,
        decision=ChangeRequest.Decision.NAMED,
        note="",
        grant_priority=False,
        actor=sales_manager,
        now=at(2, 10, 30),
        request_key=key(),
        requested_salesperson=cat,
    )
    return ChangeRequest.objects.get(reception=first), result.client


def test_the_sales_manager_records_the_finding(
    clock, site, salespeople, sales_manager, switched, browser_as, django_assert_num_queries
):
    change_request, client = switched
    page = browser_as(sales_manager)
    with django_assert_num_queries(12):
        response = page.get(url("client", client))
    assert "Record that the named salesperson instigated a switch (REC-DES-2)" in response.content.decode()
    with django_assert_num_queries(7):
        panel = page.get(url("client_instigation", client), headers=HTMX)
    assert [value for value, _label in panel.context["form"].fields["switch"].choices] == [str(change_request.pk)]
    assert "Ann → Cat" in panel.content.decode()

    with django_assert_num_queries(7):
        missing = page.post(url("client_instigation", client), {"instigation-switch": change_request.pk}, headers=HTMX)
    assert "This field is required." in text_of(missing, "error_1_id_instigation-reason")
    assert not InstigationFinding.objects.exists()

    data = {"instigation-switch": change_request.pk, "instigation-reason": "Cat phoned her the day before"}
    # 25, and telling both salespeople (issue 19): per person a look for the key, the notification and its queued
    # email inside a savepoint.
    with django_assert_num_queries(34):
        done = page.post(url("client_instigation", client), data)
    assert done.status_code == 302
    finding = InstigationFinding.objects.get()
    assert (finding.change_request, finding.recorded_by, finding.reason) == (
        change_request,
        sales_manager,
        "Cat phoned her the day before",
    )
    with django_assert_num_queries(12):
        after = page.get(url("client", client))
    assert "Cat phoned her the day before" in text_of(after, "timeline")
    assert after.context["view"].attribution.share_of("salesperson", salespeople[0].pk) == 100
    # Nothing left to find: the action is gone, and a second finding is refused.
    assert "Record that the named salesperson instigated" not in after.content.decode()
    with django_assert_num_queries(14):
        again = page.post(url("client_instigation", client), data)
    assert again.status_code == 200 and InstigationFinding.objects.count() == 1


def test_only_the_sales_manager_may(
    clock, site, salespeople, project_manager, sales_director, outsider, switched, client, django_assert_num_queries
):
    change_request, zhou = switched
    data = {"instigation-switch": change_request.pk, "instigation-reason": "x"}
    for user in (project_manager, salespeople[0], salespeople[2], sales_director):
        client.force_login(user)
        with django_assert_num_queries(5):
            assert client.get(url("client_instigation", zhou), headers=HTMX).status_code == 403
        with django_assert_num_queries(5):
            assert client.post(url("client_instigation", zhou), data).status_code == 403
    client.force_login(outsider)
    with django_assert_num_queries(5):
        assert client.post(url("client_instigation", zhou), data).status_code == 404
    assert not InstigationFinding.objects.exists()


def test_no_action_without_a_switch_to_find(
    clock, site, salespeople, sales_manager, project_manager, browser_as, django_assert_num_queries
):
    client = register(site, salespeople[0], at(19, 10)).client
    signed_in = browser_as(sales_manager)
    with django_assert_num_queries(11):
        response = signed_in.get(url("client", client))
    assert "instigated a switch" not in response.content.decode()
