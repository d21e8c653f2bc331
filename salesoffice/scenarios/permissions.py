"""Expectations every file may use, whatever the app: permissions held, or not, through the people's roles."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from .registry import Check, ScenarioError, expect
from .world import World


def _permission(name: str) -> str:
    return name if "." in name else _codename_to_perm(name)


def _codename_to_perm(codename: str) -> str:
    labels = list(Permission.objects.filter(codename=codename).values_list("content_type__app_label", flat=True))
    if len(labels) != 1:
        raise ScenarioError(f"permission '{codename}' is {'ambiguous' if labels else 'unknown'}: write app.codename")
    return f"{labels[0]}.{codename}"


def _permissions_check(world: World, expected, *, held: bool) -> list[Check]:
    if not isinstance(expected, dict):
        raise ScenarioError("can:/cannot: map people to permissions, e.g. ann: [hold_units]")
    checks = []
    for handle, perms in expected.items():
        user = get_user_model().objects.get(pk=world.person(handle).pk)  # a fresh user: no cached permissions
        for perm in perms if isinstance(perms, list) else [perms]:
            has = user.has_perm(_permission(str(perm)))
            verb = "may" if held else "may not"
            checks.append(Check(f"{handle} {verb} {perm}", has == held, verb, "may" if has else "may not"))
    return checks


@expect("can")
def can(world: World, expected) -> list[Check]:
    """People hold these permissions through their roles."""
    return _permissions_check(world, expected, held=True)


@expect("cannot")
def cannot(world: World, expected) -> list[Check]:
    """People do not hold these permissions: the software offers them no such action (e.g. REC-AUTH-1)."""
    return _permissions_check(world, expected, held=False)
