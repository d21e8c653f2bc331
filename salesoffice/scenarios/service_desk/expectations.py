"""The service desk's expectations for scenario files (docs/scenarios.md): each reads what the desk's pages
read (its selectors) or its records."""

from salesoffice.models import Notification
from service_desk import rules, selectors

from ..registry import Check, ScenarioError, expect, same
from ..world import World
from .common import _complaint, _expected_instant, _mapping, _open_notice, _repair, _request, _shown_instant


@expect("first_contact_owner")
def first_contact_owner(world: World, expected) -> list[Check]:
    """{request: person}: who owns the request (SVC-FIRST-1)."""
    return [
        same(f"{name} first-contact owner", str(who), world.handle(_request(world, name).owner_id))
        for name, who in _mapping("first_contact_owner", expected).items()
    ]


@expect("assignee")
def assignee(world: World, expected) -> list[Check]:
    """{request: person or nobody}: who the request was routed to."""
    checks = []
    for name, who in _mapping("assignee", expected).items():
        item = _request(world, name)
        checks.append(
            same(f"{name} assignee", None if who in (None, "nobody") else str(who), world.handle(item.assignee_id))
        )
    return checks


def _deadline_check(world: World, what: str, expected, read) -> list[Check]:
    return [
        same(f"{name} {what}", _expected_instant(world, value), _shown_instant(world, read(name)))
        for name, value in _mapping(what.replace(" ", "_"), expected).items()
    ]


@expect("reply_due")
def reply_due(world: World, expected) -> list[Check]:
    """{request: instant}: the stored reply deadline (SVC-FIRST-1)."""
    return _deadline_check(world, "reply due", expected, lambda n: _request(world, n).reply_due_at)


@expect("complaint_due")
def complaint_due(world: World, expected) -> list[Check]:
    """{complaint: instant}: the complaint's deadline (SVC-COMP-1)."""
    return _deadline_check(world, "complaint due", expected, lambda n: _complaint(world, n).due_at)


@expect("complaint_callback_due")
def complaint_callback_due(world: World, expected) -> list[Check]:
    """{complaint: `end of YYYY-MM-DD` or nobody}: when the resident is to be called back (SVC-CB-1)."""
    return _deadline_check(world, "complaint callback due", expected, lambda n: _complaint(world, n).callback_due_at)


@expect("complaint_signed_off")
def complaint_signed_off(world: World, expected) -> list[Check]:
    """{complaint: true/false}: whether the result stands signed off (a reopened complaint's does not)."""
    return [
        same(f"{name} signed off", bool(value), _complaint(world, name).signed_off_at is not None)
        for name, value in _mapping("complaint_signed_off", expected).items()
    ]


def _latest_completion(world: World, name):
    return _repair(world, name).completions.order_by("-round").first()


@expect("callback_due")
def callback_due(world: World, expected) -> list[Check]:
    """{repair: `end of YYYY-MM-DD`}: the latest completion's callback deadline (SVC-CB-3)."""

    def read(name):
        completion = _latest_completion(world, name)
        return completion.callback_due_at if completion else None

    return _deadline_check(world, "callback due", expected, read)


@expect("explains")
def explains(world: World, expected) -> list[Check]:
    """{request: text}: the deadline sentence the item's page shows contains the text (with its rule ID)."""
    checks = []
    for name, text in _mapping("explains", expected).items():
        item = selectors.item_detail(site=world.site, item_id=_request(world, name).pk)
        sentences = [item.reply_explanation, getattr(item, "complaint_explanation", "")]
        sentences.append(getattr(item, "complaint_callback_explanation", ""))
        sentences += [c.explanation for c in item.completions]
        sentences += [cb.notice.text_in("en") for c in item.completions for cb in c.cbs if cb.notice]
        found = next((s for s in sentences if str(text) in str(s)), None)
        checks.append(Check(f"{name} explains", found is not None, str(text), " | ".join(map(str, sentences))))
    return checks


@expect("rectification")
def rectification(world: World, expected) -> list[Check]:
    """{repair: {to, due, rectified, says, never} or none}: the repair's latest written rectification notice
    (SVC-CB-5); `says`/`never`: a text its sentence must / must not contain."""
    checks = []
    for name, spec in _mapping("rectification", expected).items():
        notice = _open_notice(world, name)
        if spec in (None, "none", False):
            checks.append(same(f"{name} rectification notice", None, None if notice is None else "a notice"))
            continue
        if notice is None:
            checks.append(Check(f"{name} rectification notice", False, "a notice", "none"))
            continue
        if "to" in spec:
            checks.append(same(f"{name} notice to", str(spec["to"]), world.handle(notice.addressed_to_id)))
        if "due" in spec:
            checks.append(
                same(f"{name} notice due", _expected_instant(world, spec["due"]), _shown_instant(world, notice.due_at))
            )
        if "rectified" in spec:
            checks.append(same(f"{name} rectified", bool(spec["rectified"]), notice.rectified_at is not None))
        if "says" in spec:
            text = str(spec["says"])
            checks.append(Check(f"{name} notice says", text in notice.text_in("en"), text, notice.text_in("en")))
        if "never" in spec:
            text = str(spec["never"])
            shown = notice.text_in("en")
            checks.append(Check(f"{name} notice never says", text not in shown, f"not {text!r}", shown))
    return checks


@expect("repair")
def repair_state(world: World, expected) -> list[Check]:
    """{repair: {status, round, appointments, callback_role}}: the repair's state and its whole history."""
    checks = []
    for name, spec in _mapping("repair", expected).items():
        found = _repair(world, name)
        if "status" in spec:
            checks.append(same(f"{name} status", str(spec["status"]), found.status))
        if "round" in spec:
            checks.append(same(f"{name} round", int(spec["round"]), found.round))
        if "appointments" in spec:
            got = [_shown_instant(world, a.scheduled_for) for a in found.appointments.order_by("made_at", "pk")]
            checks.append(
                same(f"{name} appointments", [_expected_instant(world, a) for a in spec["appointments"]], got)
            )
        if "notices" in spec:
            got = [a.notice_method for a in found.appointments.order_by("made_at", "pk") if a.replaces_id]
            checks.append(same(f"{name} notices to the resident", list(spec["notices"]), got))
        if "completions" in spec:
            checks.append(same(f"{name} completions", int(spec["completions"]), found.completions.count()))
    return checks


@expect("closed_by")
def closed_by(world: World, expected) -> list[Check]:
    """{request: person or nobody}: who recorded and signed the answer or result that closed it (SVC-FIRST-1);
    nobody while it is open."""
    checks = []
    for name, who in _mapping("closed_by", expected).items():
        item = _request(world, name)
        wanted = None if who in (None, "nobody") else str(who)
        checks.append(same(f"{name} closed by", wanted, world.handle(item.closed_by_id)))
    return checks


@expect("timeline")
def timeline(world: World, expected) -> list[Check]:
    """{request: ["what by who at HH:MM" ...]}: the item's whole story as its page shows it, oldest first; each
    entry reads `<what> by <person>` (or `<what>` when the record names nobody) `at <YYYY-MM-DD HH:MM>`."""
    checks = []
    for name, wanted in _mapping("timeline", expected).items():
        item = selectors.item_detail(site=world.site, item_id=_request(world, name).pk)
        got = []
        for entry in item.timeline:
            who = f" by {world.handle(entry.who)}" if entry.who is not None else ""
            got.append(f"{entry.what}{who} at {entry.at.astimezone(world.zone):%Y-%m-%d %H:%M}")
        checks.append(same(f"{name} timeline", [str(w) for w in (wanted or [])], got))
    return checks


@expect("callbacks")
def callbacks(world: World, expected) -> list[Check]:
    """{repair: [{who, role, state}]}: the callbacks of the repair's latest completion as its page shows them, in
    order: who made each, the role it counts for (SVC-CB-2) and `on_time` or `late` against SVC-CB-3's deadline."""
    checks = []
    for name, specs in _mapping("callbacks", expected).items():
        item = selectors.item_detail(site=world.site, item_id=_request(world, name).pk)
        made = item.completions[-1].cbs if item.completions else []
        got = [{"who": world.handle(cb.made_by_id), "role": cb.role, "state": cb.state} for cb in made]
        wanted = [dict(spec) for spec in (specs or [])]
        shown = [{k: g[k] for k in w} for g, w in zip(got, wanted, strict=False)] + got[len(wanted) :]
        checks.append(same(f"{name} callbacks", wanted, shown))
    return checks


@expect("open_items")
def open_items(world: World, expected) -> list[Check]:
    """{person: [requests]}: the person's open items on the desk, soonest deadline first (SVC-FIRST-1)."""
    checks = []
    for handle, names in _mapping("open_items", expected).items():
        items = selectors.my_open_items(site=world.site, user=world.person(handle))
        got = [world.name_of(i) for i in items]
        checks.append(same(f"{handle}'s open items", list(names or []), got))
    return checks


@expect("reply_state")
def reply_state(world: World, expected) -> list[Check]:
    """{request: open|due_soon|overdue|on_time|late}: the reply against its deadline at the step's instant."""
    settings = selectors.settings_of(world.site)
    checks = []
    for name, state in _mapping("reply_state", expected).items():
        item = _request(world, name)
        got = rules.deadline_state(
            due_at=item.reply_due_at, done_at=item.replied_at, now=world.now, remind_hours=settings.reminder_hours
        )
        checks.append(same(f"{name} reply", str(state), got))
    return checks


@expect("on_call")
def on_call(world: World, expected) -> Check:
    """[numbers]: who the desk shows to call now (SVC-DUTY-1); [] when nobody is on duty."""
    board = selectors.duty_board(site=world.site, now=world.now)
    return same("on call", [str(n) for n in (expected or [])], [call.call for _shift, call in board.now_on_duty])


@expect("notified")
def notified(world: World, expected) -> list[Check]:
    """{person: {kind: count}}: notifications the person received, by kind (reminders, escalations, notices)."""
    checks = []
    for handle, kinds in _mapping("notified", expected).items():
        user = world.person(handle)
        for kind, count in (kinds or {}).items():
            got = Notification.objects.filter(recipient=user, kind=kind).count()
            checks.append(same(f"{handle} notified {kind}", int(count), got))
    return checks


@expect("compliance")
def compliance(world: World, expected) -> list[Check]:
    """{month: YYYY-MM, role: "30.0% met" or "20.0% below"}: SVC-CB-2 for that month."""
    spec = dict(_mapping("compliance", expected))
    try:
        year, month = (int(p) for p in str(spec.pop("month")).split("-"))
    except (KeyError, ValueError) as exc:
        raise ScenarioError("compliance: needs month: YYYY-MM") from exc
    rates = {r.role.value: r for r in selectors.callback_rates_for_month(site=world.site, year=year, month=month)}
    checks = []
    for role, text in spec.items():
        key = str(role).replace(" ", "_")
        if key not in rates:
            raise ScenarioError(f"compliance: {role} is not a callback role ({', '.join(rates)})")
        rate = rates[key]
        got = f"{rate.rate}% {'met' if rate.compliant else 'below'}"
        checks.append(same(f"{role} callback rate {year}-{month:02d}", str(text), got))
    return checks
