"""The signed-in user as a request reads them (salesoffice.auth): the same rights as Django's ModelBackend gives,
in fewer queries."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.urls import reverse

from salesoffice.access import user_roles
from salesoffice.models import StaffProfile
from salesoffice.roles import Role

from .conftest import make_user


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
    site, supervisor, client, django_assert_max_num_queries
):
    StaffProfile.objects.create(user=supervisor, language="en")
    client.force_login(supervisor)
    board = reverse("reception:board_state", kwargs={"site": site.code})
    htmx = {"HX-Request": "true"}
    shown = client.get(board, headers=htmx).content.decode().split('data-token="')[1].split('"')[0]
    # The session (in the database), the user with their profile, their rights, the site with its desk.
    with django_assert_max_num_queries(4) as captured:
        response = client.get(board, {"token": shown}, headers=htmx)
    assert response.status_code == 204
    assert any("salesoffice_staffprofile" in q["sql"] and "auth_user" in q["sql"] for q in captured.captured_queries)


def test_an_inactive_user_is_signed_out(site, supervisor, client):
    client.force_login(supervisor)
    supervisor.is_active = False
    supervisor.save(update_fields=["is_active"])
    response = client.get(reverse("reception:board", kwargs={"site": site.code}))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
