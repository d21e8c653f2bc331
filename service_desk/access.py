"""The desk's objects for this user at this office, or 404/403: an id from another office never reveals itself."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from salesoffice.access import site_with_perm_or_403
from salesoffice.models import Site

from .models import Completion, DutyShift, RectificationNotice, ServiceRequest
from .selectors import item_detail

OFFICE = Site.Kind.PROPERTY_OFFICE


def office_or_403(user: AbstractBaseUser, code: str, perm: str = "service_desk.register_request") -> Site:
    """A property office the user belongs to (else 404), where their role holds `perm` (else 403)."""
    return site_with_perm_or_403(user, code, perm, OFFICE, select_related=("service_settings",))


def item_for_user_or_404(user: AbstractBaseUser, site: Site, item_id: int) -> ServiceRequest:
    """A request of this office that the user owns, was routed, or may see as a manager."""
    item = item_detail(site=site, item_id=item_id)
    if item is None:
        raise Http404("No such request")
    involved = user.pk in (item.owner_id, item.assignee_id)
    repair_team = item.kind == ServiceRequest.Kind.REPAIR and user.has_perm("service_desk.work_repairs")
    if not (involved or repair_team or user.has_perm("service_desk.view_all_requests")):
        raise PermissionDenied
    return item


def completion_for_site_or_404(site: Site, completion_id: int) -> Completion:
    completion = get_object_or_404(
        Completion.objects.select_related("repair__request", "completed_by"), site=site, pk=completion_id
    )
    completion.repair.request.site = site
    return completion


def notice_for_site_or_404(site: Site, notice_id: int) -> RectificationNotice:
    notice = get_object_or_404(RectificationNotice, site=site, pk=notice_id)
    notice.site = site
    return notice


def shift_for_site_or_404(site: Site, shift_id: int) -> DutyShift:
    shift = get_object_or_404(DutyShift, site=site, pk=shift_id)
    shift.site = site
    return shift
