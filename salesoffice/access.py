"""Who may see which site: "get X for this user or 404/403" helpers, so views never query by hand."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from .auth import roles_of, seen_sites
from .models import Site
from .roles import ALL_SITES_ROLES, Role


def user_roles(user: AbstractBaseUser) -> frozenset[str]:
    if not user.is_authenticated:
        return frozenset()
    return roles_of(user)


def sees_all_sites(user: AbstractBaseUser) -> bool:
    return user.is_superuser or bool(user_roles(user) & {r.value for r in ALL_SITES_ROLES})


def sites_for(user: AbstractBaseUser, kind: str | None = None) -> QuerySet[Site]:
    sites = Site.objects.all() if sees_all_sites(user) else Site.objects.filter(memberships__user=user)
    if kind:
        sites = sites.filter(kind=kind)
    return sites.order_by("name")


def site_for_user_or_404(
    user: AbstractBaseUser, code: str, kind: str | None = None, *, select_related: tuple[str, ...] = ()
) -> Site:
    """A site the user may see; another site's existence is not revealed (404). `select_related` reads rows that
    hang off the site (e.g. its desk's state) in the same query."""
    sites = sites_for(user, kind)
    if select_related:  # select_related() with no names would follow every relation
        sites = sites.select_related(*select_related)
    site = sites.filter(code=code).first()
    if site is None:
        raise Http404("No such site")
    _seen_site_ids(user).add(site.pk)
    return site


def _seen_site_ids(user: AbstractBaseUser) -> set[int]:
    return seen_sites(user)


def user_sees_site(user: AbstractBaseUser, site: Site) -> bool:
    seen = _seen_site_ids(user)
    if site.pk not in seen:
        if not sites_for(user).filter(pk=site.pk).exists():
            return False
        seen.add(site.pk)
    return True


def site_with_perm_or_403(
    user: AbstractBaseUser, code: str, perm: str, kind: str | None = None, *, select_related: tuple[str, ...] = ()
) -> Site:
    site = site_for_user_or_404(user, code, kind, select_related=select_related)
    if not user.has_perm(perm):
        raise PermissionDenied
    return site


def user_has_role_on_site(user: AbstractBaseUser, site: Site, role: Role) -> bool:
    if role.value not in user_roles(user):
        return False
    return site.memberships.filter(user=user).exists()


def require_site_perm(user: AbstractBaseUser, site: Site, perm: str, message: str) -> None:
    """For services: the role's permission, held on this site (a manager of another site has no say here)."""
    if not user.has_perm(perm) or not user_sees_site(user, site):
        raise PermissionDenied(message)


def acts_as_on_site(user: AbstractBaseUser, site: Site, role: Role) -> bool:
    """The user holds `role` on this site, or is an admin of it standing in."""
    return (
        user.is_superuser
        or user_has_role_on_site(user, site, role)
        or (Role.ADMIN.value in user_roles(user) and user_sees_site(user, site))
    )


def is_site_project_manager(user: AbstractBaseUser, site: Site) -> bool:
    """The site's own project manager approves (REC-ROT-5, ATT-REG-1, ATT-EMP-3); an admin may stand in."""
    return acts_as_on_site(user, site, Role.PROJECT_MANAGER)
