"""Two repair staff completing the same repair at the same instant: one completion, one callback due (SVC-REP-1,
SVC-CB-3). Real threads on PostgreSQL, each on its own connection, released together by a barrier."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from service_desk import services
from service_desk.models import Completion, Repair

from ..conftest import at
from ..reception.test_race import press_at_once
from .conftest import callback_form, register_repair

RACE = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def completing(repair, actor, now):
    def call():
        # A thread starts in the default language (zh-hans): messages are asserted in English.
        with translation.override("en"):
            try:
                return services.repair_complete(repair=repair, actor=actor, now=now)
            except ValidationError as error:
                return error

    return call


@RACE
def test_two_staff_complete_one_repair_at_once_one_completion_one_callback(
    office, desk_staff, repair_staff, repair_staff2, repair_lead
):
    item = register_repair(office, desk_staff, at(2, 10))
    repair = Repair.objects.select_related("request__site").get(pk=item.repair.pk)

    results = press_at_once([completing(repair, p, at(2, 16)) for p in (repair_staff, repair_staff2)])

    won = [r for r in results if isinstance(r, Completion)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(won) == 1 and len(refused) == 1
    assert "completed already" in " ".join(refused[0].messages)
    assert Completion.objects.count() == 1
    pending = Completion.objects.filter(callbacks__isnull=True)
    assert pending.count() == 1
    services.callback_record(completion=won[0], actor=repair_lead, now=at(3, 9), **callback_form())
    assert not Completion.objects.filter(callbacks__isnull=True).exists()
