"""The signed-in user as a request reads them (salesoffice.auth): the same rights as Django's ModelBackend gives,
in fewer queries; and signing in, with its lock-out after repeated failures."""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from salesoffice.access import user_roles
from salesoffice.auth import client_ip, rights_scope
from salesoffice.models import StaffProfile
from salesoffice.roles import Role

from .conftest import PASSWORD, make_user


def fresh(user):
    """The user as the next request loads them: no rights read yet."""
    return get_user_model().objects.get(pk=user.pk)


def test_roles_and_every_permission_come_in_one_query(site, django_assert_num_queries):
    clerk = make_user("clerk", Role.SALESPERSON, [site])
    clerk.user_permissions.add(Permission.objects.get(codename="view_reception_report"))  # held directly
    clerk = fresh(clerk)
    with django_assert_num_queries(1):
        roles = user_roles(clerk)
        perms = clerk.get_all_permissions()
        assert clerk.has_perm("reception.operate_desk") and not clerk.has_perm("reception.manage_rota")
    assert roles == {Role.SALESPERSON.value}
    assert perms == ModelBackend().get_all_permissions(fresh(clerk))
    assert "reception.view_reception_report" in perms


def test_a_user_with_no_group_and_a_superuser(site):
    nobody = fresh(make_user("nobody", None, [site]))
    assert user_roles(nobody) == frozenset() and nobody.get_all_permissions() == set()
    root = get_user_model().objects.create_superuser("root", "root@example.com", "root-pass-1234")
    root.groups.add(*make_user("x", Role.SALESPERSON, []).groups.all())
    root = fresh(root)
    assert user_roles(root) == {Role.SALESPERSON.value}
    assert root.get_all_permissions() == {f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.all()}


def test_a_request_reads_the_user_with_their_profile_and_rights(
    site, supervisor, client, django_assert_max_num_queries, django_assert_num_queries
):
    StaffProfile.objects.create(user=supervisor, language="en")
    client.force_login(supervisor)
    board = reverse("reception:board_state", kwargs={"site": site.code})
    htmx = {"HX-Request": "true"}
    with django_assert_num_queries(18):
        shown = client.get(board, headers=htmx).content.decode().split('data-token="')[1].split('"')[0]
    # The session (in the database), the user with their profile, their rights, the site with its desk.
    with django_assert_max_num_queries(4) as captured:
        response = client.get(board, {"token": shown}, headers=htmx)
    assert response.status_code == 204
    assert any("salesoffice_staffprofile" in q["sql"] and "auth_user" in q["sql"] for q in captured.captured_queries)


def test_an_inactive_user_is_signed_out(site, supervisor, client, django_assert_num_queries):
    client.force_login(supervisor)
    supervisor.is_active = False
    supervisor.save(update_fields=["is_active"])
    with django_assert_num_queries(2):
        response = client.get(reverse("reception:board", kwargs={"site": site.code}))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# The sign-in lock-out (django-axes): it protects an account from guessing, and is no way to lock someone else out.

OFFICE = "203.0.113.9"  # one address as the app sees it
ELSEWHERE = "198.51.100.23"


def sign_in(client, username: str, password: str, address: str = OFFICE, **headers):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address, **headers)


def fail(username: str, times: int, address: str = OFFICE, **headers) -> None:
    for _ in range(times):
        response = sign_in(Client(), username, "not-the-password", address, **headers)
        assert response.status_code in (200, 429)


def signed_in(response) -> bool:
    return response.status_code == 302 and SESSION_KEY in response.wsgi_request.session


def test_a_colleague_guessing_from_another_terminal_cannot_lock_you_out(site, salespeople, client):
    fail("ann", 10, address=ELSEWHERE)
    assert signed_in(sign_in(client, "ann", PASSWORD, address=OFFICE))


def test_one_address_is_not_locked_for_everyone_behind_it(site, salespeople, client):
    fail("bob", 10, address=OFFICE)
    assert signed_in(sign_in(client, "ann", PASSWORD, address=OFFICE))


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Too many failed sign-ins to this account from this device. Try again in 15 minutes"),
        ("zh-hans", "此账号在这台设备上登录失败次数过多。请在 15 分钟后重试"),
    ],
)
def test_five_failures_lock_that_user_on_that_address_with_a_message(site, salespeople, client, language, expected):
    assert settings.AXES_FAILURE_LIMIT == 5
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for _ in range(4):
        response = sign_in(client, "ann", "not-the-password")
        assert response.status_code == 200 and 'data-testid="login-locked-out"' not in response.content.decode()
    fifth = sign_in(client, "ann", "not-the-password")
    assert fifth.status_code == 429
    assert expected in fifth.content.decode()
    assert 'name="username"' in fifth.content.decode() and 'value="ann"' in fifth.content.decode()
    # Locked: even the right password is refused from here, and no session is made.
    right = sign_in(client, "ann", PASSWORD)
    assert right.status_code == 429 and expected in right.content.decode() and not signed_in(right)
    # From another address the same user signs in.
    assert signed_in(sign_in(Client(), "ann", PASSWORD, address=ELSEWHERE))


def test_the_count_is_per_address_behind_the_proxy_and_a_forged_forwarded_for_changes_nothing(
    site, salespeople, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    # The client writes its own X-Forwarded-For, a new address each time; the proxy appends the one it saw.
    for forged in range(5):
        sign_in(Client(), "ann", "not-the-password", proxy, headers={"X-Forwarded-For": f"192.0.2.{forged}, {OFFICE}"})
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {OFFICE}
    forged_again = sign_in(Client(), "ann", PASSWORD, proxy, headers={"X-Forwarded-For": f"192.0.2.77, {OFFICE}"})
    assert forged_again.status_code == 429
    # Another address behind the same proxy is another count.
    assert signed_in(sign_in(Client(), "ann", PASSWORD, proxy, headers={"X-Forwarded-For": ELSEWHERE}))


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "counted"),
    [
        (0, "192.0.2.1", "10.0.0.2"),  # no proxy trusted: the header is the client's own words
        (1, "192.0.2.1, 203.0.113.9", "203.0.113.9"),
        (2, "192.0.2.1, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.2"),  # shorter than the proxies trusted: not as configured
        (1, "", "10.0.0.2"),
        (1, "192.0.2.1, not-an-address", "10.0.0.2"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_address_counted(settings, rf, proxies, forwarded_for, counted):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.post("/accounts/login/", REMOTE_ADDR="10.0.0.2", headers={"X-Forwarded-For": forwarded_for})
    assert client_ip(request) == counted


def test_a_garbled_forwarded_for_is_refused_politely_never_a_500(site, salespeople, client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    response = sign_in(client, "ann", "not-the-password", headers={"X-Forwarded-For": "<script>, ;;;"})
    assert response.status_code == 200
    assert AccessAttempt.objects.get().ip_address == OFFICE


def test_the_lock_ends_with_the_cool_off_and_trying_meanwhile_does_not_prolong_it(site, salespeople):
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    cool_off = settings.AXES_COOLOFF_TIME
    assert cool_off == dt.timedelta(minutes=15)
    with time_machine.travel(start, tick=False) as clock:
        fail("ann", 5)
        clock.move_to(start + cool_off - dt.timedelta(minutes=1))
        assert sign_in(Client(), "ann", PASSWORD).status_code == 429
        fail("ann", 3)  # still guessing while locked
        clock.move_to(start + cool_off + dt.timedelta(seconds=1))
        assert signed_in(sign_in(Client(), "ann", PASSWORD))


def test_an_admin_unlocks_a_user_at_once(site, salespeople, client, django_assert_num_queries):
    fail("ann", 5)
    fail("ann", 5, address=ELSEWHERE)
    fail("bob", 5)
    assert sign_in(Client(), "ann", PASSWORD).status_code == 429
    root = get_user_model().objects.create_superuser("root", "root@example.com", "root-pass-1234")
    client.force_login(root)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    ann = salespeople[0]
    with django_assert_num_queries(16):
        response = client.post(
            reverse("admin:auth_user_changelist"),
            {"action": "unlock_sign_in", "_selected_action": [ann.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert "Sign-in unlocked for 1 user" in response.content.decode()
    assert signed_in(sign_in(Client(), "ann", PASSWORD))
    assert signed_in(sign_in(Client(), "ann", PASSWORD, address=ELSEWHERE))
    # Only the chosen user: bob stays locked until his cool-off ends.
    assert sign_in(Client(), "bob", PASSWORD).status_code == 429


def test_a_user_without_the_right_to_change_users_cannot_unlock(
    site, salespeople, supervisor, client, django_assert_num_queries
):
    fail("ann", 5)
    supervisor.is_staff = True
    supervisor.save(update_fields=["is_staff"])
    client.force_login(supervisor)
    with django_assert_num_queries(5):
        response = client.post(
            reverse("admin:auth_user_changelist"), {"action": "unlock_sign_in", "_selected_action": [salespeople[0].pk]}
        )
    assert response.status_code == 403
    assert sign_in(Client(), "ann", PASSWORD).status_code == 429


def test_roles_are_read_once_per_request_scope_and_never_kept_on_the_user(site, django_assert_num_queries):
    """salesoffice.auth: a scope (a request, RightsScopeMiddleware) reads the roles once; the next scope, or a read
    outside any, sees a role given in between; nothing is hung on the user object."""
    clerk = make_user("clerk", Role.SALESPERSON, [site])
    with rights_scope(), django_assert_num_queries(1):
        assert user_roles(clerk) == {Role.SALESPERSON.value}
        assert user_roles(clerk) == {Role.SALESPERSON.value}
    clerk.groups.add(Group.objects.get(name=Role.SITE_SUPERVISOR.value))
    with rights_scope():
        assert user_roles(clerk) == {Role.SALESPERSON.value, Role.SITE_SUPERVISOR.value}
    clerk.groups.remove(Group.objects.get(name=Role.SALESPERSON.value))
    assert user_roles(clerk) == {Role.SITE_SUPERVISOR.value}
    assert not {"_role_names", "_seen_site_ids"} & set(vars(clerk))
