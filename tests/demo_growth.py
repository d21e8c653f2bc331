"""More history on the demo's own sites (`manage.py seed_demo`), of every kind, for tests that compare a page at two
data sizes (tests/test_query_counts.py). Everything goes through the services the pages use, except the desk's past
days, which bench/desk_bench.py's generator writes (the desk's services act on today's rota only).

`grow(now=..., times=n, batch=b)` adds about n times what the demo holds: new clients and more visits of the demo's
clients, receptions today and on past days with their rota events, deals (confirmed, corrected, re-split, cancelled) and
closed statement months, VIP members, purchases, redemptions and returns, service requests of every kind over five
more months, duty shifts, follow-ups, referrals, disputes and the weekly reports. The demo's "now" state stays as it
was: every reception started today has ended, every absence is over.

A test compares a page after batch 0 (`times=1`, so that every list of every role has rows: a page that skips a
query when its list is empty costs the same at both sizes) with the same page after batch 1 on top of it. Each batch
has identifiers of its own and lies where the earlier one left room: batch 0 takes the desk's last 15 days, the
service desk's five weeks before the demo's six, and closes the statement months before the last three."""

import datetime as dt
import itertools
import random
import sys
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Max

from attribution import services as register
from attribution.models import Client
from attribution.reports import weekly_report_generate
from attribution.selectors import client_by_phone
from commission import services as commission
from commission.models import Deal, StatementMonth
from reception import services as desk
from reception.models import Absence, DutyAssignment, Reception, RotaMember, Violation
from salesoffice.models import Site
from salesoffice.phones import normalise_phone
from salesoffice.timeutil import local_day, start_of_day
from service_desk import demo as service_demo
from service_desk import services as service
from vip import rules as vip_rules
from vip import services as vip
from vip.models import Card, Customer

BENCH = Path(__file__).resolve().parent.parent / "bench"
# The demo's clients, by phone, with the salesperson who holds each (salesoffice/.../seed_demo.py).
DEMO_CLIENTS = {
    "13800138001": "li",
    "13800138002": "wang",
    "13800138003": "liu",
    "13600136002": "zhang",
    "13500135001": "zhang",
    "13200132001": "liu",
    "13100131001": "zhao",
}
SALESPEOPLE = ["wang", "li", "zhang", "zhao", "chen", "liu"]


def grow(*, now: dt.datetime, times: int, batch: int) -> None:
    """About `times` times the demo's history, up to just before `now` (the instant the demo was seeded at); `batch`
    0 first (with `times=1`), then 1."""
    people = {u.username: u for u in get_user_model().objects.all()}
    riverside = Site.objects.get(code="riverside")
    rng = random.Random(20261205 + batch)
    new_clients = _register(riverside, people, now, times, batch)
    _desk_today(riverside, people, now, times, batch)
    first_back = 1 + 15 * batch
    _desk_past_days(riverside, people, now, days=range(first_back + 15 * times - 1, first_back - 1, -1), rng=rng)
    _deals(riverside, people, now, new_clients, batch)
    _stores(people, now, times, batch)
    _service_desk(people, now, times, batch)


def _register(
    site: Site, people: dict, now: dt.datetime, times: int, batch: int
) -> list[tuple[Client, str, dt.datetime]]:
    """New clients over the last two months (reviewed, a few rejected, today's awaiting review), more visits of the
    demo's clients, and the register's other facts. Returns (client, salesperson, registered at) of the new ones."""
    pm = people["pm"]
    made = []
    for n in range(10 * times):
        who = SALESPEOPLE[n % len(SALESPEOPLE)]
        when = now - dt.timedelta(days=60 - 60 * n / (10 * times), hours=3)
        entry = register.visit_register(
            site=site,
            actor=people[who],
            salesperson=people[who],
            name=f"客户{batch}-{n:03d}",
            phones=[f"137{batch}{n:07d}"],
            needs="三房" if n % 2 else "",
            grade="ABC"[n % 3],
            now=when,
        ).entry
        if now - when > dt.timedelta(days=1):  # today's entries await the project manager (ATT-REG-1)
            rejected = n % 9 == 4
            register.visit_review(
                entry=entry,
                actor=pm,
                approve=not rejected,
                reason="重复登记" if rejected else "",
                now=when + dt.timedelta(hours=5),
            )
        made.append((entry.client, who, when))
    # The demo's clients come back, to the salesperson who holds them, in the hours before now (an hour a round).
    for round_ in range(batch, batch + times):
        for phone, who in DEMO_CLIENTS.items():
            client = client_by_phone(normalised_phone=normalise_phone(phone))
            register.visit_register(
                site=site,
                actor=people[who],
                salesperson=people[who],
                name=client.name,
                phones=[phone],
                now=now - dt.timedelta(hours=6 - round_, minutes=len(phone) % 7),
            )
    for n, (client, who, when) in enumerate(made):
        if n % 3 == 0:
            follow_up = register.follow_up_plan(
                site=site,
                client=client,
                actor=people[who],
                planned_for=when + dt.timedelta(days=3),
                plan="回访：确认户型",
                now=when + dt.timedelta(hours=6),
            )
            if n % 2 == 0 and when + dt.timedelta(days=3) < now:
                register.follow_up_done(
                    follow_up=follow_up, actor=people[who], outcome="客户仍在比较", now=when + dt.timedelta(days=3)
                )
    for n in range(2 * times):
        register.referral_register(
            site=site,
            actor=people["assistant"],
            name=f"推荐客{batch}-{n}",
            phone=f"133{batch}{n:07d}",
            appointment_date=local_day(now - dt.timedelta(days=n % 5), site.zone),
            now=now - dt.timedelta(days=n % 5 + 1),
        )
    # The facts that need a registration still valid (ATT-REG-2): on clients of the last three weeks but today.
    recent = [
        (client, when) for client, _who, when in made if dt.timedelta(days=2) < now - when < dt.timedelta(days=28)
    ]
    each = 1 if times == 1 else 2
    for n in range(each):
        (first, _), (second, _) = recent[2 * n], recent[2 * n + 1]
        register.spouse_link(
            site=site, client=first, spouse=second, actor=pm, now=now - dt.timedelta(hours=2, minutes=n)
        )
        marked, registered = recent[2 * each + n]
        register.company_mark(
            site=site,
            client=marked,
            kind="followed_up",
            contacted_at=registered - dt.timedelta(days=5),
            actor=pm,
            now=now - dt.timedelta(hours=1, minutes=n),
        )
        register.dispute_open(
            site=site,
            client=recent[3 * each + n][0],
            actor=pm,
            reasoning="两位销售共同促成，建议对半分成。",
            shares=[(people["wang"], Decimal(50)), (people["li"], Decimal(50))],
            now=now - dt.timedelta(minutes=90 - n - 5 * batch),
        )
    # Last month's weekly reports, as each Monday's job would have made them (ATT-FU-3).
    for weeks in range(1 + 2 * batch, 1 + 2 * batch + 2 * times):
        weekly_report_generate(now=now - dt.timedelta(weeks=weeks))
    return made


def _desk_today(site: Site, people: dict, now: dt.datetime, times: int, batch: int) -> None:
    """Receptions of every kind in the hour before now (the demo's desk events end before it), each ended again,
    with absences, violations and phone inquiries."""
    supervisor = people["supervisor"]
    people_by_id = {user.pk: user for user in people.values()}
    start = now - dt.timedelta(minutes=70 - 10 * batch)  # batch 0 (times=1) takes under ten minutes
    clock = iter(start + dt.timedelta(seconds=20 * i) for i in range(200))
    returning = itertools.cycle(["13800138001", "13800138002", "13600136002"])
    for n in range(5 * times):
        if n % 5 == 3:
            arrived = desk.returning_arrive(
                site=site, actor=supervisor, request_key=f"grow-r{batch}-{n}", now=next(clock), phone=next(returning)
            )
        elif n % 5 == 4:
            arrived = desk.designated_arrive(
                site=site,
                actor=supervisor,
                request_key=f"grow-d{batch}-{n}",
                now=next(clock),
                salesperson=people[SALESPEOPLE[n % 5]],
                client_label=f"指定客 {n}",
            )
        else:
            arrived = desk.walk_in_arrive(
                site=site, actor=supervisor, request_key=f"grow-w{batch}-{n}", now=next(clock), client_label=f"散客 {n}"
            )
        if arrived.reception.status == Reception.Status.ACTIVE:
            desk.reception_end(reception=arrived.reception, actor=supervisor, now=next(clock))
    # A client who waited and was then served is ended too; one still waiting leaves (REC-ROT-6).
    for reception in Reception.objects.filter(site=site, request_key__startswith="grow-").order_by("pk"):
        if reception.status == Reception.Status.ACTIVE:
            desk.reception_end(reception=reception, actor=supervisor, now=next(clock))
        elif reception.status == Reception.Status.WAITING:
            desk.reception_left(reception=reception, actor=supervisor, now=next(clock))
    # Away and back again: only someone on duty and not receiving a client may step away (REC-ROT-6).
    busy = set(
        Reception.objects.filter(site=site, status=Reception.Status.ACTIVE).values_list("salesperson_id", flat=True)
    )
    on_duty = DutyAssignment.objects.filter(site=site, day=local_day(now, site.zone)).exclude(salesperson_id__in=busy)
    free = [people_by_id[pk] for pk in on_duty.order_by("salesperson_id").values_list("salesperson_id", flat=True)]
    for n in range(times):
        who = free[n % len(free)]
        absence = desk.absence_start(
            site=site,
            salesperson=who,
            reason=Absence.Reason.EXTRA_WORK if n % 2 else Absence.Reason.UNEXCUSED,
            detail="送合同" if n % 2 else "",
            actor=supervisor,
            now=next(clock),
        )
        if n % 2:
            desk.absence_decide(absence=absence, approve=True, actor=people["pm"], now=next(clock))
        desk.absence_end(site=site, salesperson=who, actor=supervisor, now=next(clock))
        desk.violation_record(
            site=site,
            salesperson=who,
            clause=Violation.Clause.NO_SEE_OUT,
            description="未送客户出门",
            penalty="口头警告",
            penalty_amount=None,
            occurred_at=next(clock),
            actor=supervisor,
            now=next(clock),
        )
        desk.phone_inquiry_log(
            site=site,
            actor=people["li"],
            now=next(clock),
            caller_name=f"电话客 {batch}-{n}",
            caller_phone=f"139000{batch}{n:04d}",
            new_to_project=bool(n % 2),
            invited_to_visit=True,
            notes="询问户型",
        )


def _desk_past_days(site: Site, people: dict, now: dt.datetime, *, days: range, rng: random.Random) -> None:
    """The `days` (days back from today, earliest first) at the desk, as bench/desk_bench.py's generator writes them:
    rosters, readiness, absences, receptions of every kind and their rota events."""
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    import desk_bench

    members = list(RotaMember.objects.filter(site=site).select_related("salesperson").order_by("position"))
    crew = desk_bench.People(
        site_id=site.pk,
        supervisor_id=people["supervisor"].pk,
        pm_id=people["pm"].pk,
        desk_ids=[people["supervisor"].pk],
        salespeople=[m.salesperson_id for m in members],
        names={m.salesperson_id: m.salesperson.first_name for m in members},
    )
    first_id = (Reception.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    generator = desk_bench.Generator(crew, rng, next_reception_id=first_id, zone=site.zone)
    generator.key_prefix = "grow"
    today = local_day(now, site.zone)
    for back in days:
        generator.day(today - dt.timedelta(days=back), 6)
    desk_bench.write_rows(generator.rows)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM reception_reception))",
            [Reception._meta.db_table],
        )


def _deals(site: Site, people: dict, now: dt.datetime, clients: list, batch: int) -> None:
    """A deal for most new clients, signed a few days after their visit: recorded by the project manager or, now
    and then, by the salesperson (awaiting confirmation); some corrected, changed, re-split or cancelled; then
    every month before this one closed (COM-4)."""
    pm, director = people["pm"], people["director"]
    deals: list[Deal] = []
    for n, (client, who, registered) in enumerate(clients):
        signed = registered + dt.timedelta(days=2)
        if n % 4 == 3 or n % 9 == 4 or signed >= now:  # n % 9 == 4: a rejected entry, no owner (ATT-DISP-1)
            continue
        deal, _split = commission.deal_record(
            data=commission.DealInput(
                site=site,
                client=client,
                salesperson=people[who],
                contract_no=f"HT-G{batch}-{n:04d}",
                unit=f"{n % 9 + 1}-{batch}{n:03d}",
                buyer_names=client.name,
                signed_at=signed,
                price=Decimal(1_500_000 + 1000 * n),
                commission=Decimal("15000.00") + n,
            ),
            actor=people[who] if n % 5 == 1 else pm,
            now=signed + dt.timedelta(hours=1),
        )
        deals.append(deal)
    for n, deal in enumerate(deals):
        at = max(deal.signed_at + dt.timedelta(days=1), now - dt.timedelta(days=1)) + dt.timedelta(minutes=n)
        if deal.confirmed_at is None:  # recorded by the salesperson: the project manager confirms it (COM-5)
            commission.deal_confirm(deal=deal, actor=pm, now=at)
        elif n % 6 == 0:
            commission.deal_correct_amounts(
                deal=deal,
                actor=pm,
                price=deal.price + 1000,
                commission=deal.commission + Decimal("10.01"),
                reason="合同金额更正",
                now=at,
            )
        elif n % 6 == 2:
            commission.deal_change(
                deal=deal, actor=pm, unit=deal.unit + "A", buyer_names=deal.buyer_names, reason="换房", now=at
            )
        elif n % 6 == 4:
            commission.deal_resplit(deal=deal, now=at, reason="归属变更", actor=pm)
        elif n % 6 == 5:
            commission.deal_cancel(deal=deal, actor=pm, reason="客户退房", now=at)
    # Batch 0 closes the months before the last three (later batches still record deals there), the last batch
    # every month before this one, in order from the first not closed.
    this_month = local_day(now, site.zone).replace(day=1)
    until = this_month if batch else (this_month - dt.timedelta(days=62)).replace(day=1)
    last_closed = StatementMonth.objects.filter(closed_at__isnull=False).aggregate(m=Max("month"))["m"]
    month = (last_closed + dt.timedelta(days=32)).replace(day=1) if last_closed else (until - dt.timedelta(days=1))
    month = month.replace(day=1)
    while month < until:
        commission.month_close(month=month, actor=director, now=now - dt.timedelta(minutes=30 - batch))
        month = (month + dt.timedelta(days=32)).replace(day=1)


def _stores(people: dict, now: dt.datetime, times: int, batch: int) -> None:
    """New members at both stores with purchases on their cards, more purchases, redemptions and returns on the
    demo's cards, a reward, campaigns, a month's hand-in of forms and a look at a member's phone."""
    clerk, manager, ops = people["clerk"], people["storemgr"], people["ops"]
    nanjing, huaihai = Site.objects.get(code="nanjing"), Site.objects.get(code="huaihai")
    keys = itertools.count()

    def bought(store, clerk_, amount: str, when: dt.datetime, **who):
        return vip.purchase_record(
            store=store,
            actor=clerk_,
            key=f"grow-{batch}-{next(keys)}",
            lines=[vip_rules.Line(Decimal(amount))],
            signature_confirmed="card_number" in who,
            now=when,
            **who,
        )

    for store, store_clerk in ((nanjing, clerk), (huaihai, people["clerk2"])):
        for n in range(3 * times):
            start = now - dt.timedelta(days=90 - 2 * n - batch, hours=store.pk % 5)
            phone = f"1399{store.pk % 10}{batch}{n:05d}"
            bought(store, store_clerk, "1200", start, phone=phone)
            customer = Customer.objects.get(store=store, phone=phone)
            card = vip.card_issue(customer=customer, actor=store_clerk, surname="顾", title="ms", now=start)
            for m in range(2):
                bought(
                    store, store_clerk, f"{300 + 50 * m}.50", start + dt.timedelta(days=m + 1), card_number=card.number
                )
    reward = vip.reward_save(
        store=nanjing, actor=manager, reward=None, name=f"保温杯 Flask {batch}", points=1, stock=50, active=True
    )
    for n, card in enumerate(Card.objects.filter(membership__store=nanjing).order_by("pk")):
        for m in range(4 * batch, 4 * batch + times):  # after the earlier batches' purchases on the card
            purchase = bought(
                nanjing,
                clerk,
                f"{2000 + 10 * m}.00",
                now - dt.timedelta(days=3, hours=-m, minutes=n),
                card_number=card.number,
            )
        if n % 3 == 0:
            vip.redemption_make(
                store=nanjing,
                card=card,
                reward=reward,
                actor=clerk,
                key=f"grow-red-{batch}-{n}",
                now=now - dt.timedelta(days=2, minutes=n - 10 * batch),
            )
        if n % 4 == 1:
            vip.return_record(
                purchase=purchase.purchase,
                amount=Decimal("50"),
                actor=clerk,
                key=f"grow-ret-{batch}-{n}",
                reason="尺码不合适",
                now=now - dt.timedelta(days=1, minutes=n - 10 * batch),
            )
    for n in range(times):
        vip.campaign_create(
            store=nanjing,
            actor=manager,
            occasion="promotion" if n % 2 else "new_products",
            text=f"新品上市 {n}",
            send_at=now + dt.timedelta(days=n + 1, hours=batch),
            now=now - dt.timedelta(hours=1),
        )
    this_month = local_day(now, nanjing.zone).replace(day=1)
    handed_in = this_month
    for _ in range(batch + 1):  # one month further back each batch
        handed_in = (handed_in - dt.timedelta(days=1)).replace(day=1)
    vip.hand_in_record(store=nanjing, year=handed_in.year, month=handed_in.month, forms=7, actor=ops, now=now)
    customer = Card.objects.filter(membership__store=nanjing).order_by("pk").first().membership.customer
    vip.customer_unmask(customer=customer, actor=manager, now=now - dt.timedelta(minutes=5))


def _service_desk(people: dict, now: dt.datetime, times: int, batch: int) -> None:
    """Requests of every kind on the days before the demo's six weeks (`times` × five weeks more, each batch
    further back), and a noon and night duty on some of the last days."""
    office = Site.objects.get(code="garden")
    today = start_of_day(local_day(now, office.zone), office.zone)
    callers = [people["repairlead"], people["officeadmin"], people["officedir"]]
    service_demo.requests_on_days(
        office,
        days=range(42 + 35 * batch + 35 * times, 42 + 35 * batch, -1),
        today=today,
        owners=[people["desk"], people["desk2"]],
        fixer=people["repair"],
        callers=callers,
    )
    for back in range(2 * batch + 2 * times, 2 * batch, -1):
        day = today - dt.timedelta(days=back)
        for person, kind, starts, hours in ((people["desk"], "noon", 12, 2), (people["desk2"], "night", 20, 12)):
            service.duty_shift_add(
                site=office,
                actor=people["officedir"],
                person=person,
                kind=kind,
                starts_at=day + dt.timedelta(hours=starts),
                ends_at=day + dt.timedelta(hours=starts + hours),
                duty_phone="02583218001",
                now=day,
            )
