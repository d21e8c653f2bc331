"""Who may open which page: 403 for a role without the right, 404 for another site, login for anonymous users."""

import pytest
import time_machine
from django.urls import reverse

from reception import services
from reception.models import Absence, Reception, RotaMember
from salesoffice.models import Site
from salesoffice.roles import Role

from .conftest import at, key, make_user, open_desk

NOW = at(2, 10)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(site, other_site, salespeople, supervisor, project_manager, sales_manager, outsider):
    """A running desk on `site` (ann in a reception, eve away on extra work) and one on `other_site`."""
    open_desk(site, salespeople, supervisor, at(2, 9))
    reception = services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 9, 30)).reception
    eve = salespeople[4]
    absence = services.absence_start(
        site=site, salesperson=eve, reason=Absence.Reason.EXTRA_WORK, detail="bank", actor=supervisor, now=at(2, 9, 31)
    )
    zoe = make_user("zoe", Role.SALESPERSON, [other_site])
    other_member = RotaMember.objects.create(site=other_site, salesperson=zoe, position=1)
    open_desk(other_site, [zoe], outsider, at(2, 9))
    other_reception = services.walk_in_arrive(
        site=other_site, actor=outsider, request_key=key(), now=at(2, 9, 40)
    ).reception
    return {
        "reception": reception,
        "member": RotaMember.objects.get(site=site, salesperson=eve),
        "absence": absence,
        "other_reception": other_reception,
        "other_member": other_member,
    }


def site_urls(world) -> dict[str, tuple]:
    """Every reception URL of `site`, with the method that reaches the view behind it (and the data it posts)."""
    s = {"site": "riverside"}
    reception_id = world["reception"].pk
    return {
        "board": ("get", reverse("reception:board", kwargs=s)),
        "board_state": ("get", reverse("reception:board_state", kwargs=s)),
        "arrive": ("post", reverse("reception:arrive", kwargs=s)),
        "arrive_designated": ("post", reverse("reception:arrive_designated", kwargs=s)),
        "arrive_returning": ("post", reverse("reception:arrive_returning", kwargs=s)),
        "reception_end": ("post", reverse("reception:reception_end", kwargs={**s, "reception_id": reception_id})),
        "change_request": ("get", reverse("reception:change_request", kwargs={**s, "reception_id": reception_id})),
        "reception_void": ("get", reverse("reception:reception_void", kwargs={**s, "reception_id": reception_id})),
        "reception_left": ("post", reverse("reception:reception_left", kwargs={**s, "reception_id": reception_id})),
        "away": ("post", reverse("reception:away", kwargs=s)),
        "back": ("post", reverse("reception:back", kwargs={**s, "member_id": world["member"].pk})),
        "rota": ("get", reverse("reception:rota", kwargs=s)),
        # The rota page's actions, posted with nothing (or no reason) to change: the form comes back.
        "rota_swap": ("post", reverse("reception:rota_swap", kwargs=s)),
        "rota_up": ("post", reverse("reception:rota_up", kwargs=s), {"member": world["member"].pk}),
        "rota_down": ("post", reverse("reception:rota_down", kwargs=s), {"member": world["member"].pk}),
        "rota_roster": ("post", reverse("reception:rota_roster", kwargs=s)),
        "rota_readiness": ("post", reverse("reception:rota_readiness", kwargs=s)),
        "absences": ("get", reverse("reception:absences", kwargs=s)),
        "absence_decide": (
            "post",
            reverse("reception:absence_decide", kwargs=s),
            {"absence": world["absence"].pk, "decision": "approve"},
        ),
        "violations": ("get", reverse("reception:violations", kwargs=s)),
        "phone": ("get", reverse("reception:phone", kwargs=s)),
        "events": ("get", reverse("reception:events", kwargs=s)),
        "report": ("get", reverse("reception:report", kwargs=s)),
        "report_xlsx": ("get", reverse("reception:report_xlsx", kwargs=s)),
    }


def test_every_reception_url_is_covered(world):
    from reception.urls import urlpatterns

    assert {p.name for p in urlpatterns} == set(site_urls(world))


# What each persona may open. Anything not listed must be refused with 403. "back" brings eve (away) back to her
# post: only eve herself or the site supervisor may (REC-ROT-4), so the other roles get 403 for it.
# A swap or roster posted empty shows the rota page again to whoever sees it: the service, never reached, refuses a
# real one to all but the supervisor (test_a_salesperson_cannot_swap_the_order_rec_rot_3, test_desk_integrity).
ALLOWED = {
    "salesperson": {
        "board",
        "board_state",
        "arrive",
        "arrive_designated",
        "arrive_returning",
        "reception_end",
        "reception_left",
        "away",
        "rota",
        "rota_swap",
        "rota_roster",
        "absences",
        "phone",
        "events",
    },
    "supervisor": {
        "board",
        "board_state",
        "arrive",
        "arrive_designated",
        "arrive_returning",
        "reception_end",
        "reception_left",
        "reception_void",
        "away",
        "back",
        "rota",
        "rota_swap",
        "rota_roster",
        "rota_up",
        "rota_down",
        "rota_readiness",
        "absences",
        "violations",
        "phone",
        "events",
        "report",
        "report_xlsx",
    },
    "project_manager": {
        "board",
        "board_state",
        "arrive",
        "arrive_designated",
        "arrive_returning",
        "reception_end",
        "reception_left",
        "change_request",
        "away",
        "rota",
        "rota_swap",
        "rota_roster",
        "absences",
        "absence_decide",
        "violations",
        "phone",
        "events",
        "report",
        "report_xlsx",
    },
    "sales_manager": {
        "board",
        "board_state",
        "arrive",
        "arrive_designated",
        "arrive_returning",
        "reception_end",
        "reception_left",
        "change_request",
        "away",
        "rota",
        "rota_swap",
        "rota_roster",
        "absences",
        "violations",
        "events",
        "report",
        "report_xlsx",
    },
    "sales_assistant": {
        "board",
        "board_state",
        "rota",
        "rota_swap",
        "rota_roster",
        "absences",
        "events",
        "report",
        "report_xlsx",
    },
}


def persona(name, request, site):
    if name == "salesperson":
        return request.getfixturevalue("salespeople")[1]
    if name == "sales_assistant":
        return make_user("assistant", Role.SALES_ASSISTANT, [site])
    return request.getfixturevalue(name)


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_each_role_gets_exactly_its_pages_and_403_elsewhere(role, world, site, client, request):
    client.force_login(persona(role, request, site))
    for name, (method, url, *data) in site_urls(world).items():
        response = getattr(client, method)(url, *data)
        if name in ALLOWED[role]:
            assert response.status_code in (200, 302), (role, name, response.status_code)
            if response.status_code == 302:
                assert "/accounts/login/" not in response["Location"], (role, name)
        else:
            assert response.status_code == 403, (role, name, response.status_code)


def test_the_outsider_gets_404_on_every_url_of_the_site_including_object_urls(
    world, client, outsider, django_assert_num_queries
):
    client.force_login(outsider)
    for name, (method, url, *data) in site_urls(world).items():
        response = getattr(client, method)(url, *data)
        assert response.status_code == 404, (name, response.status_code)
    # POST-only object URLs, and the swap and absence decisions, say nothing either.
    rota_url = reverse("reception:rota_up", kwargs={"site": "riverside"})
    assert client.post(rota_url, {"member": world["member"].pk}).status_code == 404
    absences_url = reverse("reception:absence_decide", kwargs={"site": "riverside"})
    assert client.post(absences_url, {"absence": world["absence"].pk, "decision": "approve"}).status_code == 404
    world["reception"].refresh_from_db()
    assert world["reception"].status == Reception.Status.ACTIVE
    assert Absence.objects.get(pk=world["absence"].pk).ended_at is None


def test_outsider_sees_their_own_site(world, client, outsider, django_assert_num_queries):
    client.force_login(outsider)
    with django_assert_num_queries(15):
        assert client.get(reverse("reception:board", kwargs={"site": "hillside"})).status_code == 200


def test_an_object_of_another_site_is_404_under_this_sites_url(world, client, supervisor, django_assert_num_queries):
    """Ids of another site's receptions and rota places are not reachable through this site's URLs."""
    client.force_login(supervisor)
    other_reception = world["other_reception"]
    end = reverse("reception:reception_end", kwargs={"site": "riverside", "reception_id": other_reception.pk})
    with django_assert_num_queries(6):
        assert client.post(end).status_code == 404
    back = reverse("reception:back", kwargs={"site": "riverside", "member_id": world["other_member"].pk})
    assert client.post(back).status_code == 404
    rota = reverse("reception:rota_down", kwargs={"site": "riverside"})
    assert client.post(rota, {"member": world["other_member"].pk}).status_code == 404
    other_reception.refresh_from_db()
    assert other_reception.status == Reception.Status.ACTIVE


def test_unknown_site_and_a_store_are_404(world, client, supervisor, django_assert_num_queries):
    store = Site.objects.create(name="Shop", code="shop", kind=Site.Kind.STORE)
    store.memberships.create(user=supervisor)
    client.force_login(supervisor)
    with django_assert_num_queries(5):
        assert client.get(reverse("reception:board", kwargs={"site": "nowhere"})).status_code == 404
    with django_assert_num_queries(5):
        assert client.get(reverse("reception:board", kwargs={"site": "shop"})).status_code == 404


def test_anonymous_users_are_sent_to_log_in(world, client, django_assert_num_queries):
    for name, (method, url, *data) in site_urls(world).items():
        response = getattr(client, method)(url, *data)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login") + "?next="), name
    with django_assert_num_queries(0):
        history = client.get(reverse("audit_history"))
    assert history.status_code == 302 and history["Location"].startswith(reverse("login"))
    assert Reception.objects.filter(site=world["reception"].site).count() == 1


def test_a_salesperson_cannot_swap_the_order_rec_rot_3(world, site, client, salespeople, django_assert_num_queries):
    client.force_login(salespeople[1])
    members = {m.salesperson.username: m for m in RotaMember.objects.filter(site=site).select_related("salesperson")}
    before = list(RotaMember.objects.filter(site=site).order_by("position").values_list("salesperson__username"))
    swap = client.post(
        reverse("reception:rota_swap", kwargs={"site": "riverside"}),
        {"swap-first": members["ann"].pk, "swap-second": members["bob"].pk, "swap-reason": "me"},
    )
    move = client.post(reverse("reception:rota_up", kwargs={"site": "riverside"}), {"member": members["bob"].pk})
    assert (swap.status_code, move.status_code) == (403, 403)
    after = list(RotaMember.objects.filter(site=site).order_by("position").values_list("salesperson__username"))
    assert after == before
    assert not site.rota_events.filter(kind="rota_swap").exists()


def test_the_supervisor_can_swap_and_the_change_is_recorded(world, site, client, supervisor, django_assert_num_queries):
    client.force_login(supervisor)
    ann, bob = (RotaMember.objects.get(site=site, salesperson__username=n) for n in ("ann", "bob"))
    url = reverse("reception:rota_swap", kwargs={"site": "riverside"})
    response = client.post(url, {"swap-first": ann.pk, "swap-second": bob.pk, "swap-reason": "r"})
    assert response.status_code == 302
    ann.refresh_from_db()
    bob.refresh_from_db()
    assert (ann.position, bob.position) == (2, 1)
    event = site.rota_events.get(kind="rota_swap")
    assert event.actor == supervisor and event.params["reason"] == "r"


@pytest.mark.parametrize("who", ["supervisor", "sales_manager", "salesperson", "other_pm"])
def test_only_the_sites_project_manager_decides_an_absence(
    who, world, site, other_site, client, request, django_assert_num_queries
):
    if who == "salesperson":
        user = request.getfixturevalue("salespeople")[0]
    elif who == "other_pm":
        # A project manager, but of the other site: this site's absences are not theirs to see.
        user = make_user("otherpm", Role.PROJECT_MANAGER, [other_site])
    else:
        user = request.getfixturevalue(who)
    client.force_login(user)
    absence = world["absence"]
    # A site that is not theirs is refused (404) one query sooner than a role that may not decide (403).
    with django_assert_num_queries(5 if who == "other_pm" else 6):
        response = client.post(
            reverse("reception:absence_decide", kwargs={"site": "riverside"}),
            {"absence": absence.pk, "decision": "approve"},
        )
    assert response.status_code == (404 if who == "other_pm" else 403)
    absence.refresh_from_db()
    assert absence.approval == Absence.Approval.PENDING
    assert absence.decided_by is None
    assert not site.rota_events.filter(kind__startswith="absence_").exists()


def test_the_sites_project_manager_approves_an_absence(world, site, client, project_manager, django_assert_num_queries):
    client.force_login(project_manager)
    absence = world["absence"]
    response = client.post(
        reverse("reception:absence_decide", kwargs={"site": "riverside"}),
        {"absence": absence.pk, "decision": "approve"},
    )
    assert response.status_code == 302
    absence.refresh_from_db()
    assert absence.approval == Absence.Approval.APPROVED and absence.decided_by == project_manager


@pytest.mark.parametrize("garbage", ["x1", "", "²", "9" * 30])
def test_garbage_ids_in_posts_are_404_not_500(
    garbage, world, client, supervisor, project_manager, django_assert_num_queries
):
    client.force_login(project_manager)
    absences = reverse("reception:absence_decide", kwargs={"site": "riverside"})
    assert client.post(absences, {"absence": garbage, "decision": "approve"}).status_code == 404
    client.force_login(supervisor)
    rota = reverse("reception:rota_up", kwargs={"site": "riverside"})
    assert client.post(rota, {"member": garbage}).status_code == 404


def test_a_director_who_sees_every_site_may_look_but_not_operate(world, client, django_assert_num_queries):
    director = make_user("director", Role.SALES_DIRECTOR, [])
    client.force_login(director)
    with django_assert_num_queries(15):
        assert client.get(reverse("reception:board", kwargs={"site": "riverside"})).status_code == 200
    with django_assert_num_queries(15):
        assert client.get(reverse("reception:board", kwargs={"site": "hillside"})).status_code == 200
    with django_assert_num_queries(5):
        assert client.post(reverse("reception:arrive", kwargs={"site": "riverside"})).status_code == 403


def test_history_page_permissions(world, client, supervisor, salespeople, django_assert_num_queries):
    client.force_login(salespeople[0])
    with django_assert_num_queries(5):
        assert client.get(reverse("audit_history")).status_code == 403
    client.force_login(supervisor)
    with django_assert_num_queries(9):
        assert client.get(reverse("audit_history")).status_code == 200
