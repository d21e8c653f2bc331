"""The demo data go through the services: every page has something to show, and a second run adds nothing."""

from salesoffice.management.commands.seed_demo import Command
from service_desk import demo
from service_desk.models import (
    Callback,
    ComplaintCallback,
    Completion,
    DutyShift,
    RectificationNotice,
    ServiceRequest,
)

from ..conftest import at


def test_seed_makes_an_office_with_every_kind_of_record(db):
    roles = demo.seed(now=at(20, 12, 30), make_user=Command()._user)
    assert {"desk", "officedir", "repairlead"} <= set(roles)
    kinds = set(ServiceRequest.objects.values_list("kind", flat=True))
    assert kinds == {"question", "visit", "letter", "complaint", "repair"}
    assert Completion.objects.exists() and Callback.objects.exists() and RectificationNotice.objects.exists()
    assert DutyShift.objects.count() == 2
    assert ComplaintCallback.objects.filter(satisfied=False).exclude(explanation="").exists()
    count = ServiceRequest.objects.count()
    assert demo.seed(now=at(20, 12, 30), make_user=Command()._user) == {}
    assert ServiceRequest.objects.count() == count
