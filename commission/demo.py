"""Demo deals on the sales site the main demo seeds: one per way a commission is split, and one on hold."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model

from attribution.selectors import client_by_phone
from salesoffice.models import Site
from salesoffice.phones import normalise_phone

from . import services

# (client's phone, salesperson who closed it, unit, commission): the clients the main demo registered.
DEALS = [
    ("13800138001", "li", "1-1201", "10000.01"),  # wholly the owner's (ATT-REG-3)
    ("13600136002", "zhang", "2-0803", "18888.89"),  # recognised within the month: 50/50 (REC-NEW-2c)
    ("13200132001", "liu", "3-1502", "25000.01"),  # company client: 70% / 30% public pool (ATT-CO-3)
    ("13500135001", "zhang", "2-1101", "21000.03"),  # spouses registered apart: 50/50 (ATT-SPOUSE)
    ("13100131001", "zhao", "5-0601", "30000.00"),  # a dispute opinion awaits the director: on hold (ATT-DISP-1)
    ("13800138001", "li", "1-1202", "8000.00"),  # recorded by Li himself: awaits the project manager (COM-5)
]
RECORDED_BY_THE_SALESPERSON = {"1-1202"}


def seed(*, now: dt.datetime, make_user) -> dict[str, list[str]]:
    site = Site.objects.filter(code="riverside").first()
    if site is None:
        return {}
    people = {u.username: u for u in get_user_model().objects.filter(username__in=["pm", "li", "zhang", "liu", "zhao"])}
    for number, (phone, closer, unit, commission) in enumerate(DEALS, start=1):
        client = client_by_phone(normalised_phone=normalise_phone(phone))
        if client is None or closer not in people:
            continue
        signed = now - dt.timedelta(minutes=30 * (len(DEALS) - number + 1))
        services.deal_record(
            data=services.DealInput(
                site=site,
                client=client,
                salesperson=people[closer],
                contract_no=f"HT-{signed:%Y%m}-{number:03d}",
                unit=unit,
                buyer_names=client.name,
                signed_at=signed,
                price=Decimal(commission) * 100,
                commission=Decimal(commission),
            ),
            actor=people[closer] if unit in RECORDED_BY_THE_SALESPERSON else people["pm"],
            now=now,
        )
    return {}
