"""Personas and deals for the commission tests. Facts go through the services, as the pages write them."""

from decimal import Decimal

import pytest

from commission import services
from salesoffice.roles import Role

from ..attribution.conftest import approve, browser_as, clock, in_english, register, registered  # noqa: F401
from ..conftest import at, make_user

__all__ = ["approve", "at", "deal_input", "record", "register", "registered"]


@pytest.fixture
def sales_director(site):
    return make_user("director", Role.SALES_DIRECTOR, [site])


@pytest.fixture
def admin_user(site, other_site):
    return make_user("boss", Role.ADMIN, [site, other_site])


@pytest.fixture
def referrer(site):
    return make_user("eva", Role.STORE_CLERK, [site])


def deal_input(
    site, client, salesperson, when, *, commission="10000.01", unit="A-1201", contract=None, price="2000000"
):
    return services.DealInput(
        site=site,
        client=client,
        salesperson=salesperson,
        contract_no=contract or f"HT-{unit}",
        unit=unit,
        buyer_names=client.name,
        signed_at=when,
        price=Decimal(price),
        commission=Decimal(commission),
    )


def record(site, client, salesperson, when, *, actor=None, now=None, **kw):
    deal, _split = services.deal_record(
        data=deal_input(site, client, salesperson, when, **kw), actor=actor or salesperson, now=now or when
    )
    return deal


@pytest.fixture(autouse=True)
def pages_in_english(client, settings):
    """Pages are asserted in English (the default language, zh-hans, has its own catalog)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture(autouse=True)
def deals_count_as_recorded(request):
    """The split and ledger tests count a salesperson's deal as soon as it is recorded; COM-5's confirmation by the
    project manager (the default) has its own tests, which ask for `confirmation_required`."""
    if "site" not in request.fixturenames or "confirmation_required" in request.fixturenames:
        return
    from commission.models import CommissionSettings

    CommissionSettings.objects.update_or_create(
        site=request.getfixturevalue("site"), defaults={"confirm_salesperson_deals": False}
    )


@pytest.fixture
def confirmation_required(site):
    """The site as it is by default: a salesperson's deal counts once the project manager confirms it (COM-5)."""
    from commission.models import CommissionSettings

    CommissionSettings.objects.filter(site=site).delete()
    return site
