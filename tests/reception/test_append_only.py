"""Permanent records are append-only (ATT-REG-1, and the desk's own logs): the model refuses to change or delete a
row, and on PostgreSQL a trigger refuses what bypasses the model (queryset .update()/.delete(), raw SQL)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from attribution.models import Client, VisitApproval, VisitEntry
from reception import services
from reception.models import ChangeRequest, InstigationFinding, PhoneInquiry, ReadinessCheck, RotaEvent, Violation
from salesoffice.phones import normalise_phone

from ..conftest import at, key, open_desk


def _rota_event(site, people, supervisor, manager):
    open_desk(site, people, supervisor, at(2, 9))
    return RotaEvent.objects.filter(site=site).order_by("pk").first(), "rule_id", "REC-ROT-2"


def _violation(site, people, supervisor, manager):
    violation = services.violation_record(
        site=site,
        salesperson=people[0],
        clause=Violation.Clause.LEFT_MID_RECEPTION,
        description="left to fetch the price list",
        penalty="Written warning",
        penalty_amount=Decimal("50.00"),
        occurred_at=at(2, 10),
        actor=supervisor,
        now=at(2, 11),
    )
    return violation, "penalty_amount", Decimal("0.00")


def _readiness_check(site, people, supervisor, manager):
    check = services.readiness_record(
        site=site,
        salesperson=people[0],
        uniform_ok=False,
        materials_ok=True,
        sales_info_ok=True,
        note="no badge",
        actor=supervisor,
        now=at(2, 9),
    )
    return check, "uniform_ok", True


def _registered_entry(site, people, manager):
    client = Client.objects.create(
        name="Mr Huang", phone="13800138001", phone_normalised=normalise_phone("13800138001"), created_at=at(1, 10)
    )
    return VisitEntry.objects.create(
        client=client,
        site=site,
        salesperson=people[0],
        visited_at=at(1, 10),
        registered_at=at(1, 10),
        registered_by=people[0],
    )


def _visit_entry(site, people, supervisor, manager):
    return _registered_entry(site, people, manager), "salesperson_id", people[1].pk


def _visit_approval(site, people, supervisor, manager):
    approval = VisitApproval.objects.create(
        entry=_registered_entry(site, people, manager), approved_by=manager, approved_at=at(1, 18)
    )
    return approval, "approved_at", at(5, 18)


def _change_request(site, people, supervisor, manager):
    open_desk(site, people, supervisor, at(2, 9))
    reception = services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 10)).reception
    services.change_request_decide(
        reception=reception,
        decision=ChangeRequest.Decision.NOT_AT_FAULT,
        note="",
        grant_priority=False,
        actor=manager,
        now=at(2, 10, 5),
        request_key=key(),
    )
    return ChangeRequest.objects.get(reception=reception), "decision", ChangeRequest.Decision.REASSIGN.value


def _instigation_finding(site, people, supervisor, manager):
    open_desk(site, people, supervisor, at(2, 9))
    reception = services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 10)).reception
    services.change_request_decide(
        reception=reception,
        decision=ChangeRequest.Decision.NAMED,
        note="",
        grant_priority=False,
        actor=manager,
        now=at(2, 10, 5),
        request_key=key(),
        requested_salesperson=people[2],
    )
    finding = InstigationFinding.objects.create(
        change_request=ChangeRequest.objects.get(reception=reception),
        reason="phoned the client",
        recorded_by=manager,
        recorded_at=at(3, 9),
    )
    return finding, "reason", "something else"


def _phone_inquiry(site, people, supervisor, manager):
    inquiry = services.phone_inquiry_log(
        site=site,
        actor=people[0],
        now=at(2, 10),
        caller_name="Ms Lin",
        caller_phone="13800138002",
        new_to_project=True,
        invited_to_visit=False,
        notes="",
    )
    return inquiry, "caller_name", "someone else"


RECORDS = {
    RotaEvent: _rota_event,
    Violation: _violation,
    ReadinessCheck: _readiness_check,
    VisitEntry: _visit_entry,
    VisitApproval: _visit_approval,
    ChangeRequest: _change_request,
    InstigationFinding: _instigation_finding,
    PhoneInquiry: _phone_inquiry,
}


@pytest.fixture(params=list(RECORDS), ids=lambda model: model.__name__)
def record(request, site, salespeople, supervisor, sales_manager):
    """(row, a field, another value for it) of each permanent model."""
    return RECORDS[request.param](site, salespeople, supervisor, sales_manager)


def _stored(row, field):
    return type(row).objects.values_list(field, flat=True).get(pk=row.pk)


def test_a_permanent_row_refuses_save_once_stored(record):
    row, field, other = record
    original = _stored(row, field)
    setattr(row, field, other)
    with pytest.raises(ValidationError):
        row.save()
    assert _stored(row, field) == original


def test_a_permanent_row_refuses_delete(record):
    row, _field, _other = record
    with pytest.raises(ValidationError):
        row.delete()
    assert type(row).objects.filter(pk=row.pk).exists()


def test_the_database_refuses_a_queryset_update(record):
    row, field, other = record
    original = _stored(row, field)
    # The trigger raises SQLSTATE 23000 (integrity_constraint_violation), which Django maps to IntegrityError.
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        type(row).objects.filter(pk=row.pk).update(**{field: other})
    assert _stored(row, field) == original


def test_the_database_refuses_a_queryset_delete(record):
    row, _field, _other = record
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        type(row).objects.filter(pk=row.pk).delete()
    assert type(row).objects.filter(pk=row.pk).exists()


def test_the_database_refuses_raw_sql(record):
    row, _field, _other = record
    table = connection.ops.quote_name(type(row)._meta.db_table)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [row.pk])
    assert type(row).objects.filter(pk=row.pk).exists()


def test_att_reg_1_a_correction_is_a_new_row_pointing_at_the_old(site, salespeople, sales_manager):
    entry, _field, _other = _visit_entry(site, salespeople, None, sales_manager)
    correction = VisitEntry.objects.create(
        client=entry.client,
        site=site,
        salesperson=salespeople[1],
        visited_at=entry.visited_at,
        registered_at=at(1, 12),
        registered_by=sales_manager,
        corrects=entry,
        note="registered under the wrong salesperson",
    )
    assert list(entry.corrections.all()) == [correction]
    assert _stored(entry, "salesperson_id") == salespeople[0].pk
