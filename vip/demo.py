"""Demo data for `manage.py seed_demo`: two stores, their clerks and managers, members in every state the pages
show (new, 8.5折 tier, birthday this week, expiring soon, a return shortfall), a reward catalog and a reminder."""

import datetime as dt
from decimal import Decimal

from salesoffice.models import Site
from salesoffice.roles import Role

from . import rules, services
from .models import Customer, Reward, StoreSettings

CUSTOMERS = [
    # phone, surname, title, days ago of the first purchase, amounts paid on the card afterwards
    ("13900139001", "王", "ms", 20, ["1200", "3333.34"]),
    ("13900139002", "李", "mr", 200, ["150", "150"]),
    ("13900139003", "张", "ms", 710, ["800"]),  # the card expires within a month
    ("13900139004", "刘", "mr", 40, ["1111.12"]),  # redeemed, then returned: a shortfall
    ("13900139005", "陈", "ms", 5, []),
]


def seed(*, now: dt.datetime, make_user) -> dict[str, list[str]]:
    nanjing, _ = Site.objects.get_or_create(
        code="nanjing", defaults={"name": "南京路店 Nanjing Road", "kind": Site.Kind.STORE}
    )
    huaihai, _ = Site.objects.get_or_create(
        code="huaihai", defaults={"name": "淮海路店 Huaihai Road", "kind": Site.Kind.STORE}
    )
    for store in (nanjing, huaihai):
        StoreSettings.objects.get_or_create(site=store)
    clerk = make_user("clerk", "店员 小周", [Role.STORE_CLERK], [nanjing])
    make_user("storemgr", "店长 孙", [Role.STORE_MANAGER], [nanjing])
    make_user("clerk2", "店员 小吴", [Role.STORE_CLERK], [huaihai])
    make_user("ops", "营运部 钱", [Role.OPERATIONS], [])
    if Customer.objects.filter(store=nanjing).exists():
        return _roles()
    rewards = {
        name: Reward.objects.create(store=nanjing, name=name, points=points, stock=stock)
        for name, points, stock in (("环保袋 Tote bag", 10, 20), ("雨伞 Umbrella", 30, 5), ("马克杯 Mug", 5, 0))
    }
    for n, (phone, surname, title, days_ago, amounts) in enumerate(CUSTOMERS):
        start = now - dt.timedelta(days=days_ago)
        services.purchase_record(
            store=nanjing, actor=clerk, key=f"demo-q-{n}", lines=[rules.Line(Decimal("1000"))], phone=phone, now=start
        )
        customer = Customer.objects.get(store=nanjing, phone=phone)
        birthday = (now + dt.timedelta(days=3)).date().replace(year=1990) if n == 0 else None
        card = services.card_issue(
            customer=customer, actor=clerk, surname=surname, title=title, birthday=birthday, now=start
        )
        for m, amount in enumerate(amounts):
            services.purchase_record(
                store=nanjing,
                actor=clerk,
                key=f"demo-p-{n}-{m}",
                lines=[rules.Line(Decimal(amount))],
                card_number=card.number,
                signature_confirmed=True,
                now=start + dt.timedelta(days=m + 1),
            )
        if n == 3:
            # In the order a store would see it: points earned, redeemed the next day, then part of the purchase
            # returned, which takes back points already spent (VIP-RET-1's shortfall).
            bought = card.membership.purchases.order_by("at").first()
            after = start + dt.timedelta(days=len(amounts) + 1)
            services.redemption_make(
                store=nanjing, card=card, reward=rewards["环保袋 Tote bag"], actor=clerk, key="demo-r", now=after
            )
            services.return_record(
                purchase=bought, amount=Decimal("500"), actor=clerk, key="demo-x", now=after + dt.timedelta(days=1)
            )
    services.purchase_record(
        store=nanjing, actor=clerk, key="demo-nm", lines=[rules.Line(Decimal("640"))], phone="13900139009", now=now
    )
    return _roles()


def _roles() -> dict[str, list[str]]:
    return {
        "clerk": ["store clerk (Nanjing Road)"],
        "storemgr": ["store manager (Nanjing Road)"],
        "clerk2": ["store clerk (Huaihai Road)"],
        "ops": ["operations"],
    }
