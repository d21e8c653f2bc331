"""The sales desk's demo (registered by AttributionConfig.ready, run by `manage.py seed_demo` before the other apps'):
two sales sites with staff in every role, a rota, a morning's worth of desk events and the visit register beyond
the desk. Reception's and the register's data are seeded together because they interleave: the desk's returning
client needs a registered owner, and the register's entries follow the desk's morning."""

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from reception import services
from reception.models import Absence, DeskSettings, RotaMember, Violation
from salesoffice.models import Site
from salesoffice.phones import normalise_phone
from salesoffice.roles import Role
from salesoffice.timeutil import local_day, start_of_day

from . import services as register
from .models import Client
from .reports import weekly_report_generate
from .selectors import client_by_phone

SALESPEOPLE = [
    ("wang", "王伟"),
    ("li", "李娜"),
    ("zhang", "张敏"),
    ("zhao", "赵磊"),
    ("chen", "陈静"),
    ("liu", "刘洋"),
]
STAFF = [
    ("supervisor", "周主管", Role.SITE_SUPERVISOR),
    ("pm", "吴经理", Role.PROJECT_MANAGER),
    ("salesmgr", "郑经理", Role.SALES_MANAGER),
    ("director", "孙总监", Role.SALES_DIRECTOR),
    ("assistant", "钱助理", Role.SALES_ASSISTANT),
    ("clerk", "冯店员", Role.STORE_CLERK),
    ("storemgr", "褚店长", Role.STORE_MANAGER),
    ("ops", "卫营运", Role.OPERATIONS),
    ("desk", "蒋职员", Role.SERVICE_DESK_STAFF),
    ("officedir", "沈主任", Role.OFFICE_DIRECTOR),
    ("officeadmin", "韩管理员", Role.ADMINISTRATOR),
    ("repairlead", "杨维修", Role.REPAIR_LEAD),
    ("repair", "朱维修", Role.REPAIR_STAFF),
]
# The demo users the login hint lists for the sales desk, in this order.
SHOWN = ["admin", "supervisor", "wang", "pm", "salesmgr", "director", "other"]


def seed(*, now: dt.datetime, make_user) -> dict[str, list[str]]:
    roles_of, riverside, people = _seed_desk(now=now, make_user=make_user)
    _seed_register(riverside, people, now)
    # Last week's client report, as Monday's job would have made it (ATT-FU-3).
    weekly_report_generate(now=now)
    return {username: roles_of[username] for username in SHOWN}


def _seed_desk(*, now: dt.datetime, make_user) -> tuple[dict[str, list[str]], Site, dict]:
    """Two sales sites, their people, the clients a returning client finds an owner among, and the desk's morning."""
    riverside, hillside = _seed_sites()
    roles_of, people = _seed_people(riverside, hillside, make_user)
    zone = riverside.zone
    start = max(start_of_day(local_day(now, zone), zone) + dt.timedelta(minutes=1), now - dt.timedelta(hours=3))
    step = (now - start) / 30
    clock = iter(start + step * i for i in range(30))
    _seed_owned_clients(riverside, people, now)
    _seed_roster(riverside, hillside, people, now, clock)
    _seed_morning(riverside, people, now, clock)
    return roles_of, riverside, people


def _seed_sites() -> tuple[Site, Site]:
    riverside, _ = Site.objects.get_or_create(
        code="riverside", defaults={"name": "滨江售楼处 Riverside", "kind": Site.Kind.SALES_OFFICE}
    )
    hillside, _ = Site.objects.get_or_create(
        code="hillside", defaults={"name": "山景售楼处 Hillside", "kind": Site.Kind.SALES_OFFICE}
    )
    for site in (riverside, hillside):
        DeskSettings.objects.get_or_create(site=site)
    return riverside, hillside


def _seed_people(riverside: Site, hillside: Site, make_user) -> tuple[dict[str, list[str]], dict]:
    """Everyone, by username (the admin and Hillside's salesperson, "other", too), and the roles the login hint
    shows for each."""
    roles_of: dict[str, list[str]] = {}
    admin = make_user("admin", "系统管理员", [Role.ADMIN], [riverside, hillside], is_staff=True, is_superuser=True)
    roles_of["admin"] = ["admin"]
    people = {"admin": admin}
    for position, (username, name) in enumerate(SALESPEOPLE, start=1):
        people[username] = make_user(username, name, [Role.SALESPERSON], [riverside])
        RotaMember.objects.get_or_create(site=riverside, salesperson=people[username], defaults={"position": position})
        roles_of[username] = ["salesperson"]
    for username, name, role in STAFF:
        people[username] = make_user(username, name, [role], [riverside])
        roles_of[username] = [role.value]
    other = make_user("other", "何售楼", [Role.SALESPERSON], [hillside])
    RotaMember.objects.get_or_create(site=hillside, salesperson=other, defaults={"position": 1})
    roles_of["other"] = ["salesperson (Hillside only)"]
    people["other"] = other
    return roles_of, people


def _seed_owned_clients(riverside: Site, people: dict, now: dt.datetime) -> None:
    """Registered clients, so a returning client finds an owner (REC-RET-1)."""
    pm = people["pm"]
    for index, (owner, client_name, phone) in enumerate(
        [("li", "黄先生", "13800138001"), ("wang", "林女士", "13800138002"), ("liu", "高先生", "13800138003")]
    ):
        registered_at = now - dt.timedelta(days=10 + index)
        entry = register.visit_register(
            site=riverside,
            actor=people[owner],
            salesperson=people[owner],
            name=client_name,
            phones=[phone],
            now=registered_at,
        ).entry
        register.visit_review(entry=entry, actor=pm, approve=True, now=registered_at + dt.timedelta(hours=8))


def _seed_roster(riverside: Site, hillside: Site, people: dict, now: dt.datetime, clock: Iterator[dt.datetime]) -> None:
    """Today's roster of both sites and who reported ready (Riverside's chen without materials at first)."""
    supervisor, admin, other = people["supervisor"], people["admin"], people["other"]
    today = local_day(now, riverside.zone)
    on_duty = {people[u].pk for u in ("wang", "li", "zhang", "zhao", "chen")}
    services.roster_set(site=riverside, day=today, salesperson_ids=on_duty, actor=supervisor, now=next(clock))
    services.roster_set(site=hillside, day=today, salesperson_ids={other.pk}, actor=admin, now=now)
    services.readiness_record(
        site=hillside,
        salesperson=other,
        uniform_ok=True,
        materials_ok=True,
        sales_info_ok=True,
        note="",
        actor=admin,
        now=now,
    )
    for username in ("wang", "li", "zhang", "zhao"):
        services.readiness_record(
            site=riverside,
            salesperson=people[username],
            uniform_ok=True,
            materials_ok=True,
            sales_info_ok=True,
            note="",
            actor=supervisor,
            now=next(clock),
        )
    services.readiness_record(
        site=riverside,
        salesperson=people["chen"],
        uniform_ok=True,
        materials_ok=False,
        sales_info_ok=True,
        note="资料未备齐",
        actor=supervisor,
        now=next(clock),
    )


def _seed_morning(riverside: Site, people: dict, now: dt.datetime, clock: Iterator[dt.datetime]) -> None:
    """The desk's morning at Riverside: walk-ins by the rota, an absence, a duty reception for a returning client
    whose owner is off, a violation and a phone inquiry."""
    supervisor, pm = people["supervisor"], people["pm"]

    def walk_in(label: str):
        return services.walk_in_arrive(
            site=riverside, actor=supervisor, request_key=f"demo-{label}", now=next(clock), client_label=label
        ).reception

    first = walk_in("散客 A")  # wang
    second = walk_in("散客 B")  # li
    services.reception_end(reception=first, actor=supervisor, now=next(clock))
    absence = services.absence_start(
        site=riverside,
        salesperson=people["zhao"],
        reason=Absence.Reason.EXTRA_WORK,
        detail="经理安排送合同",
        actor=supervisor,
        now=next(clock),
    )
    walk_in("散客 C")  # zhang; chen not ready forfeits? chen comes after zhao in order
    services.absence_decide(absence=absence, approve=True, actor=pm, now=next(clock))
    services.reception_end(reception=second, actor=supervisor, now=next(clock))
    walk_in("散客 D")  # zhao away on approved work (slot kept), chen not ready: forfeit -> wang
    services.readiness_record(
        site=riverside,
        salesperson=people["chen"],
        uniform_ok=True,
        materials_ok=True,
        sales_info_ok=True,
        note="补齐资料",
        actor=supervisor,
        now=next(clock),
    )
    services.returning_arrive(
        site=riverside, actor=supervisor, request_key="demo-returning-1", now=next(clock), phone="13800138003"
    )  # liu off duty: duty reception
    services.absence_end(site=riverside, salesperson=people["zhao"], actor=supervisor, now=next(clock))
    services.violation_record(
        site=riverside,
        salesperson=people["chen"],
        clause=Violation.Clause.LEFT_MID_RECEPTION,
        description="接待中途离开去拿价格表",
        penalty="口头警告",
        penalty_amount=None,
        occurred_at=next(clock),
        actor=supervisor,
        now=now,
    )
    services.phone_inquiry_log(
        site=riverside,
        actor=people["li"],
        now=next(clock),
        caller_name="电话客 蔡先生",
        caller_phone="13900000000",
        new_to_project=True,
        invited_to_visit=True,
        notes="询问三房户型，已邀请周末来访",
    )


def _seed_register(site: Site, people: dict, now: dt.datetime) -> None:
    """The visit register beyond the desk: entries awaiting approval, a near-duplicate, a recognition within
    the month (REC-NEW-2c), spouses (ATT-SPOUSE), a company client (ATT-CO-3), referrals (ATT-EMP), a dispute
    awaiting the director (ATT-DISP-1) and follow-ups, all through the same services the pages use."""
    pm = people["pm"]

    def days_ago(days: float) -> dt.datetime:
        return now - dt.timedelta(days=days)

    def registered(who: str, name: str, phone: str, when: dt.datetime, approved: bool = True, **extra):
        entry = register.visit_register(
            site=site, actor=people[who], salesperson=people[who], name=name, phones=[phone], now=when, **extra
        ).entry
        if approved:
            register.visit_review(entry=entry, actor=pm, approve=True, now=when + dt.timedelta(hours=4))
        return entry.client

    ma = registered("chen", "马先生", "13600136001", days_ago(20), needs="两房，学区", grade="B")
    ma_again = registered("zhang", "马先生", "13600136002", days_ago(8))
    register.recognition_record(
        site=site,
        client=ma_again,
        original_client=ma,
        original_salesperson=people["chen"],
        recognised_at=days_ago(2),
        actor=pm,
        now=days_ago(2),
    )
    lin = registered("zhang", "林先生", "13500135001", days_ago(5))
    wife = client_by_phone(normalised_phone=normalise_phone("13800138002"))
    register.spouse_link(site=site, client=lin, spouse=wife, actor=pm, now=days_ago(1))
    zheng = registered("liu", "郑先生", "13200132001", days_ago(10))
    register.company_mark(
        site=site,
        client=zheng,
        kind="followed_up",
        contacted_at=days_ago(15),
        actor=pm,
        now=days_ago(9),
    )
    he = registered("zhao", "何女士", "13100131001", days_ago(6))
    register.dispute_open(
        site=site,
        client=he,
        actor=pm,
        reasoning="赵磊首次接待，李娜促成签约；建议按贡献六四分成。",
        shares=[(people["zhao"], Decimal(60)), (people["li"], Decimal(40))],
        now=days_ago(1),
    )
    # Today's entries await the project manager (ATT-REG-1); one looks like a known client (ATT-REG-3).
    registered("zhang", "散客 C", "13700137001", now - dt.timedelta(minutes=40), approved=False, grade="C")
    registered("zhao", "林女士", "13800138020", now - dt.timedelta(minutes=20), approved=False)
    _seed_referrals_and_follow_ups(site, people, now, ma_again)


def _seed_referrals_and_follow_ups(site: Site, people: dict, now: dt.datetime, ma_again: Client) -> None:
    """Two referrals (ATT-EMP-1), an overdue follow-up and a planned one (ATT-FU-1)."""

    def days_ago(days: float) -> dt.datetime:
        return now - dt.timedelta(days=days)

    register.referral_register(
        site=site,
        actor=people["assistant"],
        name="蔡女士",
        phone="13300133001",
        appointment_date=local_day(now, site.zone),
        now=days_ago(3),
    )
    register.referral_register(
        site=site,
        actor=people["supervisor"],
        name="韩先生",
        phone="13300133002",
        appointment_date=local_day(days_ago(2), site.zone),
        now=days_ago(4),
    )
    huang = client_by_phone(normalised_phone=normalise_phone("13800138001"))
    register.follow_up_plan(
        site=site,
        client=huang,
        actor=people["li"],
        planned_for=days_ago(1),
        plan="回访：确认贷款方案",
        now=days_ago(3),
    )
    register.follow_up_plan(
        site=site,
        client=ma_again,
        actor=people["zhang"],
        planned_for=now + dt.timedelta(days=1),
        plan="带看样板间",
        kind="visit",
        now=days_ago(1),
    )
