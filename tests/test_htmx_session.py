"""An expired session on a polling board sends the browser to the login page instead of nesting it."""

from django.urls import reverse

from reception import services
from reception.models import Absence
from salesoffice.roles import Role

from .conftest import at, make_user, open_desk


def test_htmx_poll_without_a_session_asks_the_browser_to_go_to_login(client, site, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("reception:board_state", kwargs={"site": site.code}), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("login"))
    assert response.content == b""


def test_plain_request_without_a_session_is_redirected_as_usual(client, site, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("reception:board", kwargs={"site": site.code}))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_admin_may_stand_in_for_the_project_manager_rec_rot_5(site, salespeople, supervisor):
    admin = make_user("chief", Role.ADMIN, [])
    open_desk(site, salespeople, supervisor, at(2, 9))
    absence = services.absence_start(
        site=site,
        salesperson=salespeople[0],
        reason=Absence.Reason.EXTRA_WORK,
        detail="",
        actor=supervisor,
        now=at(2, 10),
    )
    services.absence_decide(absence=absence, approve=True, actor=admin, now=at(2, 10, 5))
    absence.refresh_from_db()
    assert absence.approval == Absence.Approval.APPROVED
    assert absence.decided_by == admin
