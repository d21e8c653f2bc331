"""What every desk service shares: the refusal error, the office's settings, who is told, and the history stamp."""

import datetime as dt
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from salesoffice.access import require_site_perm
from salesoffice.models import Site
from salesoffice.notifications import notify
from salesoffice.roles import Role

from .. import rules
from ..models import SETTING_FIELDS, OfficeSettings, ServiceRequest


class ServiceDeskError(ValidationError):
    """A desk action the rules refuse; a dict message names the form field it belongs next to."""


def refuse(refusals: list[rules.Refusal]) -> None:
    """Raise the rules' refusals, each next to its field (or above the form)."""
    if not refusals:
        return
    errors: dict[str, list[str]] = {}
    for refusal in refusals:
        errors.setdefault(refusal.field or "__all__", []).append(refusal.message)
    raise ServiceDeskError(errors)


def deny(refusal: rules.Refusal | None) -> None:
    """A rule that says who may act: its refusal is a 403, not a form error."""
    if refusal is not None:
        raise PermissionDenied(refusal.message)


def office_settings(site: Site) -> OfficeSettings:
    """The office's settings row, made with the defaults on first use (kept on the site object for the request)."""
    # settings_row serves every app's settings row, so it is typed as a Model: this related name is OfficeSettings.
    return cast(OfficeSettings, site.settings_row("service_settings"))


def people_with_role(site: Site, *roles: Role) -> list[int]:
    """Members of the office holding one of `roles` (who gets escalations and reminders)."""
    return list(
        get_user_model()
        .objects.filter(memberships__site=site, groups__name__in=[r.value for r in roles], is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )


def works_elsewhere(site: Site, person: User | None) -> bool:
    """A person named on a form is not a member of this office (None: nobody named)."""
    return person is not None and not site.memberships.filter(user=person).exists()


def stamp(record: models.Model, actor: User, now: dt.datetime) -> None:
    """The history row this save writes says who made the change and when (the service's `now`, not the clock), so
    the item's timeline is derived from it."""
    # simple_history reads these two attributes off the instance at save; they are declared nowhere the stubs see.
    record._history_user = actor  # type: ignore[attr-defined]
    record._history_date = now  # type: ignore[attr-defined]


def item_link(item: ServiceRequest) -> str:
    return reverse("service_desk:item", kwargs={"site": item.site.code, "item_id": item.pk})


def tell(
    site: Site,
    role: Role,
    item: ServiceRequest,
    kind: str,
    rule_id: str,
    key: str,
    now: dt.datetime,
    params: dict[str, Any] | None = None,
) -> None:
    """Notify everyone of the office holding `role` about `item`, once per person (the key)."""
    for user_id in people_with_role(site, role):
        notify(
            recipient_id=user_id,
            key=f"{key}:{user_id}",
            kind=kind,
            now=now,
            site=site,
            rule_id=rule_id,
            params={"item": item.pk, "name": item.requester_name, **(params or {})},
            link=item_link(item),
        )


def reopen_request(request_id: int, *, actor: User, now: dt.datetime) -> None:
    """Reopened work is open again on its owner's desk, in its history (SVC-CB-1)."""
    request = ServiceRequest.objects.select_for_update().get(pk=request_id)
    if request.closed_at is not None:
        request.closed_at = request.replied_at = None
        request.closed_by = None
        stamp(request, actor, now)  # reopened: the timeline says by whom
        request.save(update_fields=["closed_at", "replied_at", "closed_by"])


@transaction.atomic
def settings_update(*, site: Site, actor: User, values: dict[str, Any], now: dt.datetime) -> OfficeSettings:
    """Change the office's settings: items registered later get the new deadlines; past deadlines stay."""
    require_site_perm(
        actor, site, "service_desk.change_office_settings", _("Only the office director changes settings.")
    )
    settings = OfficeSettings.objects.select_for_update().get(pk=office_settings(site).pk)
    changed = [name for name in SETTING_FIELDS if name in values and getattr(settings, name) != values[name]]
    for name in changed:
        setattr(settings, name, values[name])
    settings.full_clean()
    if changed:
        settings._history_user = actor  # type: ignore[attr-defined]  # simple_history's, as in stamp()
        settings.save(update_fields=changed)
    site.service_settings = settings
    return settings
