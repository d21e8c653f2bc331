"""A client asks for another salesperson mid-reception: the manager's decision (REC-NEW-4, REC-DES-2/3)."""

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from attribution.services import desk_decision_recorded
from salesoffice.access import acts_as_on_site, require_site_perm
from salesoffice.models import Site, display_name
from salesoffice.notifications import clause_params, notify
from salesoffice.roles import Role

from .. import rules
from ..models import ChangeRequest, PrioritySlot, Reception, RotaEvent, RotaState, Violation
from .conduct import violation_record
from .desk import DeskResult, DeskSnapshot, _bump, _cursor_args, _event, _lock_desk, _refuse, take_snapshot
from .turns import _assign_walk_in, _refused_salespeople, _serve_waiting


def change_request_decide(
    *,
    reception: Reception,
    decision: str,
    note: str,
    grant_priority: bool,
    actor: User,
    now: dt.datetime,
    request_key: str,
    requested_salesperson: User | None = None,
    instigated: bool = False,
    record_violation: bool = True,
) -> DeskResult:
    """The manager's decision when a client asks for another salesperson mid-reception (REC-NEW-4, REC-DES-2/3).
    On a general fault the manager may record a violation (REC-NEW-4b); `record_violation` says whether they do.

    Why one function: it is over 60 lines only by its argument lists. It reads as the order every decision takes
    (permission, the desk's lock, the rules' refusals, the record, the branch); the rules decide, and each
    decision's branch is a function below."""
    site = reception.site
    require_site_perm(
        actor,
        site,
        "reception.decide_change_request",
        _("Only a manager may decide a change of salesperson (REC-NEW-4)."),
    )
    _refuse(rules.change_decision_refusal(decision=decision))
    with transaction.atomic():
        desk = _lock_desk(site)
        reception = Reception.objects.select_for_update(of=("self",)).select_related("salesperson").get(pk=reception.pk)
        returning = reception.kind in rules.RETURNING_KINDS
        _refuse(
            rules.change_request_refusal(
                decision=decision,
                status=reception.status,
                returning=returning,
                # Read only for the decision that needs it: a new client's named salesperson (REC-DES-2).
                actor_is_sales_manager=(
                    acts_as_on_site(actor, site, Role.SALES_MANAGER)
                    if rules.needs_sales_manager(decision=decision, returning=returning)
                    else None
                ),
            )
        )
        named = (
            _check_named(snapshot=take_snapshot(site, desk, now), reception=reception, named=requested_salesperson)
            if decision == rules.NAMED
            else None
        )
        record = rules.change_record(
            decision=decision, grant_priority=grant_priority, instigated=instigated, returning=returning
        )
        _record_change_request(
            reception=reception,
            record=record,
            note=note,
            requested_salesperson=requested_salesperson,
            actor=actor,
            now=now,
        )
        if named is not None:  # the decision is rules.NAMED: _check_named refused naming nobody
            return _switch_to_named(
                site=site,
                desk=desk,
                reception=reception,
                named=named,
                returning=returning,
                actor=actor,
                now=now,
                request_key=request_key,
            )
        if decision == rules.REASSIGN:
            return _reassign(
                site=site,
                desk=desk,
                reception=reception,
                grant_priority=record.grant_priority,
                actor=actor,
                now=now,
                request_key=request_key,
            )
        return _keep_salesperson(
            site=site,
            desk=desk,
            reception=reception,
            decision=decision,
            note=note,
            actor=actor,
            now=now,
            record_violation=record_violation,
        )


def _record_change_request(
    *,
    reception: Reception,
    record: rules.ChangeRecord,
    note: str,
    requested_salesperson: User | None,
    actor: User,
    now: dt.datetime,
) -> None:
    ChangeRequest.objects.create(
        reception=reception,
        decision=record.decision,
        note=note,
        decided_by=actor,
        decided_at=now,
        grant_priority=record.grant_priority,
        requested_salesperson=requested_salesperson if record.keeps_requested else None,
        instigated=record.instigated,
    )


def _original(reception: Reception) -> User:
    """The salesperson the client is with: change_request_refusal lets only an active reception through, and an
    active reception always has its salesperson."""
    assert reception.salesperson is not None
    return reception.salesperson


def _keep_salesperson(
    *,
    site: Site,
    desk: RotaState,
    reception: Reception,
    decision: str,
    note: str,
    actor: User,
    now: dt.datetime,
    record_violation: bool,
) -> DeskResult:
    """The same salesperson continues: not at fault (REC-NEW-4a), or a general fault the manager may record as a
    violation (REC-NEW-4b)."""
    original = _original(reception)
    if decision == rules.GENERAL_FAULT and record_violation:
        violation_record(
            site=site,
            salesperson=original,
            clause=Violation.Clause.GENERAL_FAULT,
            description=note or _("General fault on a change request"),
            penalty="",
            penalty_amount=None,
            occurred_at=now,
            actor=actor,
            now=now,
        )
    kind, rule_id = rules.CHANGE_EVENT[decision]
    event = _event(
        site,
        now,
        kind,
        rule_id,
        salesperson_id=original.pk,
        actor=actor,
        reception=reception,
        name=display_name(original),
    )
    _bump(desk)
    return DeskResult(reception, [event])


def _reassign(
    *,
    site: Site,
    desk: RotaState,
    reception: Reception,
    grant_priority: bool,
    actor: User,
    now: dt.datetime,
    request_key: str,
) -> DeskResult:
    """REC-NEW-4c: the client is new again and the original loses every right: their reception is a bye and the
    rota receives the client (rules.reassignment_turn); the original may be given a priority slot."""
    original = _original(reception)
    reception.status = Reception.Status.BYE
    reception.ended_at = now
    reception.save(update_fields=["status", "ended_at"])
    kind, rule_id = rules.CHANGE_EVENT[rules.REASSIGN]
    events = [
        _event(
            site,
            now,
            kind,
            rule_id,
            salesperson_id=original.pk,
            actor=actor,
            reception=reception,
            name=display_name(original),
        )
    ]
    snapshot = take_snapshot(site, desk, now)
    replacement = Reception(
        site=site,
        kind=Reception.Kind.REASSIGNED,
        status=Reception.Status.WAITING,
        arrived_at=now,
        client=reception.client,
        client_label=reception.client_label,
        replaces=reception,
        request_key=request_key,
        created_by=actor,
    )
    turn = rules.reassignment_turn(
        snapshot.members, refused=_refused_salespeople(replacement), **_cursor_args(snapshot)
    )
    if turn.assignment == rules.Assignment.WAIT:
        replacement.save()
        events.append(_event(site, now, "client_waiting", "REC-ROT-6", reception=replacement))
    else:
        events += _assign_walk_in(site, now, snapshot, turn, replacement)
    if grant_priority:
        events.append(_change_slot(site, now, reception, actor=actor))
    _bump(desk)
    # The bye frees the original salesperson: like any salesperson coming free, they take a client already
    # waiting (REC-ROT-6), never the replacement (see rules.serve_waiting_client). Without this they sat idle while
    # an earlier client waited, and the next new walk-in jumped the queue.
    events += _serve_waiting(site, desk, now)
    # The register follows by itself (REC-NEW-4c): the client's ownership and deals are read again.
    desk_decision_recorded(site=site, reception_ids=[reception.pk], now=now, actor=actor)
    _tell_reassigned(site=site, reception=reception, original=original, now=now)
    return DeskResult(replacement, events)


def _tell_reassigned(*, site: Site, reception: Reception, original: User, now: dt.datetime) -> None:
    """The original salesperson hears that the client was reassigned and what they lose (REC-NEW-4c), once."""
    notify(
        recipient_id=original.pk,
        key=f"rec-new-4c:{reception.pk}",
        kind="rec_reassigned",
        rule_id="REC-NEW-4c",
        site=site,
        now=now,
        params={"client": reception.client_label, "site": site.name}
        | clause_params(
            "REC-NEW-4c",
            lambda: _(
                "The manager reassigned the client: you lose every right to them, and your reception counts as a bye."
            ),
        ),
        link=reverse("reception:board", kwargs={"site": site.code}),
    )


def _change_slot(site: Site, now: dt.datetime, reception: Reception, *, actor: User) -> RotaEvent:
    """The manager grants the reassigned salesperson a priority slot (REC-NEW-4c)."""
    original = _original(reception)
    PrioritySlot.objects.create(
        site=site,
        salesperson=original,
        rule_id="REC-NEW-4",
        status=PrioritySlot.Status.ACTIVE,
        granted_at=now,
        earned_by=reception,
    )
    return _event(
        site,
        now,
        "change_slot",
        "REC-NEW-4",
        salesperson_id=original.pk,
        actor=actor,
        reception=reception,
        name=display_name(original),
    )


def _check_named(*, snapshot: DeskSnapshot, reception: Reception, named: User | None) -> User:
    """The salesperson the client names, refused unless someone else of this site's rota at the post (REC-DES-2/3)."""
    state = snapshot.state_of(named.pk) if named is not None else None
    _refuse(
        rules.named_salesperson_refusal(
            named_id=named.pk if named is not None else None,
            current_salesperson_id=reception.salesperson_id,
            named_availability=state.availability if state else None,
            name=display_name(named) if named is not None else "",
        )
    )
    assert named is not None  # named_salesperson_refusal refuses naming nobody
    return named


def _switch_to_named(
    *,
    site: Site,
    desk: RotaState,
    reception: Reception,
    named: User,
    returning: bool,
    actor: User,
    now: dt.datetime,
    request_key: str,
) -> DeskResult:
    """The manager gives in to a client who insists (REC-DES-2 for a new client, REC-DES-3 for a returning one).

    Neither is a rota turn. The first receiver keeps the claim the commission rules give them (70% or 100%,
    REC-DES-2; all of it to the owner, REC-DES-3); the replacement reception points back at the first.
    """
    reception.status = Reception.Status.ENDED
    reception.ended_at = now
    reception.save(update_fields=["status", "ended_at"])
    snapshot = take_snapshot(site, desk, now)
    # _check_named refused anyone not in this site's rota, under the same lock.
    named_state = snapshot.state_of(named.pk)
    assert named_state is not None
    switch = rules.named_switch(
        returning=returning,
        named_availability=named_state.availability,
        owner_id=reception.owner_id,
        first_salesperson_id=reception.salesperson_id,
    )
    replacement = Reception.objects.create(
        site=site,
        kind=Reception.Kind(switch.kind),
        status=Reception.Status.WAITING if switch.waits else Reception.Status.ACTIVE,
        salesperson=None if switch.waits else named,
        waiting_for=named if switch.waits else None,
        started_at=None if switch.waits else now,
        owner_id=switch.owner_id,
        client=reception.client,
        client_label=reception.client_label,
        party_new_clients=reception.party_new_clients,
        arrived_at=now,
        replaces=reception,
        request_key=request_key,
        created_by=actor,
    )
    event = _event(
        site,
        now,
        switch.event_kind,
        switch.rule_ids[0],
        salesperson_id=named.pk,
        actor=actor,
        reception=replacement,
        name=display_name(named),
        first=display_name(reception.salesperson),
    )
    _bump(desk)
    # The first receiver is free again and takes a client already waiting, as anyone coming free does (REC-ROT-6).
    return DeskResult(replacement, [event, *_serve_waiting(site, desk, now)])
