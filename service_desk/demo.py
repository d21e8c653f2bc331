"""Demo data for the service desk (called by `manage.py seed_demo` inside its transaction): a property office, its
staff, and a month and a half of requests, complaints, repairs, callbacks and duty, made through the services."""

import datetime as dt
import itertools
from collections.abc import Iterator
from decimal import Decimal

from django.contrib.auth.models import User

from salesoffice.models import Site
from salesoffice.roles import Role
from salesoffice.timeutil import local_day, start_of_day

from . import services
from .models import ServiceRequest

SIGNATURE = "data:image/png;base64," + "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk" * 2
NAMES = ["黄女士", "林先生", "高先生", "王阿姨", "陈先生", "赵女士", "孙先生", "周女士", "吴先生", "郑女士"]
QUESTIONS = ["停水通知什么时候结束？", "快递柜在哪里？", "物业费怎么交？", "装修需要办什么手续？"]
REPAIRS = [("water", "厨房水管漏水"), ("safety", "楼道应急灯不亮"), ("other", "门锁松动"), ("water", "卫生间渗水")]


def seed(*, now: dt.datetime, make_user) -> dict[str, list[str]]:
    # Long on purpose: the demo office's story told in order, one request after another.
    office, _created = Site.objects.get_or_create(
        code="garden", defaults={"name": "花园物业管理处 Garden Court", "kind": Site.Kind.PROPERTY_OFFICE}
    )
    if ServiceRequest.objects.filter(site=office).exists():
        return {}
    desk = make_user("desk", "蒋职员", [Role.SERVICE_DESK_STAFF], [office])
    desk2 = make_user("desk2", "许职员", [Role.SERVICE_DESK_STAFF], [office])
    director = make_user("officedir", "沈主任", [Role.OFFICE_DIRECTOR], [office])
    administrator = make_user("officeadmin", "韩管理员", [Role.ADMINISTRATOR], [office])
    lead = make_user("repairlead", "杨维修", [Role.REPAIR_LEAD], [office])
    fixer = make_user("repair", "朱维修", [Role.REPAIR_STAFF], [office])
    zone = office.zone
    today = start_of_day(local_day(now, zone), zone)
    # Six weeks of requests, two a day, every kind.
    callers = [lead, lead, administrator, lead, director, administrator]
    requests_on_days(office, days=range(42, 0, -1), today=today, owners=[desk, desk2], fixer=fixer, callers=callers)

    # Today's duty: noon and night; the noon duty went out with the phone forwarded.
    noon = services.duty_shift_add(
        site=office,
        actor=director,
        person=desk,
        kind="noon",
        starts_at=today + dt.timedelta(hours=12),
        ends_at=today + dt.timedelta(hours=14),
        duty_phone="02583218001",
        now=today,
    )
    services.duty_shift_add(
        site=office,
        actor=director,
        person=desk2,
        kind="night",
        starts_at=today + dt.timedelta(hours=20),
        ends_at=today + dt.timedelta(hours=32),
        duty_phone="02583218002",
        now=today,
    )
    if noon.starts_at <= now < noon.ends_at:
        services.duty_go_out(
            shift=noon, actor=desk, reason="3栋漏水现场", forwarded_to="13900000001", radio=True, now=now
        )
    return {
        "desk": ["service desk staff (Garden Court)"],
        "desk2": ["service desk staff"],
        "officedir": ["office director"],
        "officeadmin": ["administrator"],
        "repairlead": ["repair lead"],
        "repair": ["repair staff"],
    }


def requests_on_days(office: Site, *, days, today: dt.datetime, owners: list, fixer, callers: list) -> None:
    """A morning's request on each of `days` (days before `today`, its local midnight), its kind chosen by the day:
    repairs with their completion and callbacks, complaints signed off and called back, questions, visits and
    letters, most closed. The demo's six weeks, and more history for tests that need a larger office."""
    callers_cycle = itertools.cycle(callers)
    owners_cycle = itertools.cycle(owners)
    for day in days:
        morning = today - dt.timedelta(days=day) + dt.timedelta(hours=9, minutes=day % 50)
        name = NAMES[day % len(NAMES)]
        owner = next(owners_cycle)
        if day % 3 == 0:
            _repair_on(office, day=day, morning=morning, name=name, owner=owner, fixer=fixer, callers=callers_cycle)
        elif day % 3 == 1:
            _complaint_on(office, day=day, morning=morning, name=name, owner=owner)
        else:
            _question_on(office, day=day, morning=morning, name=name, owner=owner)


def _repair_on(
    office: Site, *, day: int, morning: dt.datetime, name: str, owner: User, fixer: User, callers: Iterator[User]
) -> None:
    """A repair `day` days ago, now and then rescheduled; completed when older than two days, most called back when
    older than five, and closed unless the resident was not satisfied."""
    category, content = REPAIRS[day % len(REPAIRS)]
    item = services.request_register(
        site=office,
        actor=owner,
        kind="repair",
        requester_name=name,
        content=content,
        phone="1380013" + f"{day:04d}",
        address=f"{day % 9 + 1}栋{day % 20 + 1}01",
        category=category,
        appointment=morning + dt.timedelta(hours=5),
        repair_staff=fixer,
        now=morning,
    )
    if day % 4 == 0:
        services.repair_reschedule(
            repair=item.repair,
            actor=fixer,
            reason="配件缺货",
            notice_method="phone",
            notice_text="已电话告知业主",
            new_at=morning + dt.timedelta(days=1, hours=1),
            now=morning + dt.timedelta(hours=6),
        )
    if day > 2:
        done = services.repair_complete(
            repair=item.repair,
            actor=fixer,
            work_done="已维修",
            charges=Decimal(day % 4 * 20),
            now=morning + dt.timedelta(days=1, hours=3),
        )
        if day > 5 and day % 5:
            services.callback_record(
                completion=done,
                actor=next(callers),
                inspected_on_site=True,
                service_opinion="师傅态度好",
                suggestions="",
                charges_checked=True,
                charges_correct=True,
                satisfied=day % 7 != 0,
                problem="" if day % 7 else "仍有渗水",
                signature=SIGNATURE,
                now=morning + dt.timedelta(days=2, hours=1),
            )
            if day % 7:  # a dissatisfied resident's repair stays open
                services.request_close(
                    item=item,
                    actor=owner,
                    reply="已修复并回访",
                    solved=True,
                    now=morning + dt.timedelta(days=2, hours=2),
                )


def _complaint_on(office: Site, *, day: int, morning: dt.datetime, name: str, owner: User) -> None:
    """A complaint `day` days ago, now and then a major one; signed off and closed when older than three days, called
    back when older than six."""
    item = services.request_register(
        site=office,
        actor=owner,
        kind="complaint",
        requester_name=name,
        content="夜间噪音扰民",
        category="neighbours" if day % 2 else "cleaning",
        severity="major" if day % 8 == 1 else "minor",
        now=morning,
    )
    if day > 3:
        services.complaint_sign_off(
            complaint=item.complaint,
            actor=owner,
            resolution="已协调处理",
            resolved=True,
            now=morning + dt.timedelta(hours=20),
        )
        services.request_close(
            item=item, actor=owner, reply="已处理", solved=True, now=morning + dt.timedelta(hours=21)
        )
        if day > 6:  # the resident called back (SVC-CB-1); now and then not satisfied, with the reason
            services.complaint_callback_record(
                complaint=item.complaint,
                actor=owner,
                suggestions="希望加强夜间巡查",
                satisfied=day % 5 != 0,
                reopen=False,
                explanation="" if day % 5 else "需业主委员会表决，已说明原因",
                now=morning + dt.timedelta(days=1),
            )


def _question_on(office: Site, *, day: int, morning: dt.datetime, name: str, owner: User) -> None:
    """A question, visit or letter `day` days ago (now and then an important letter), most answered and closed."""
    kind = ["question", "visit", "letter"][day // 3 % 3]
    item = services.request_register(
        site=office,
        actor=owner,
        kind=kind,
        requester_name=name,
        content=QUESTIONS[day % len(QUESTIONS)],
        important=kind == "letter" and day % 5 == 0,
        now=morning,
    )
    if day > 1 and day % 4:
        services.request_close(
            item=item, actor=owner, reply="已当面答复", solved=True, now=morning + dt.timedelta(hours=3)
        )
