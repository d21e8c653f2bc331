"""Each role's home in real Chromium at a desk's width (1280×800) and a phone's (390×844): it shows the panels of the
role and never scrolls sideways. A salesperson on a phone also registers a visit and reads the client page without
scrolling sideways (issue 19: phone-first for salespeople)."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from attribution.services import visit_register
from reception.models import DeskSettings
from salesoffice.models import Site
from salesoffice.roles import Role

from ..conftest import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"

# Each role: the site kind it works at, and the panels its home shows.
ROLES = {
    Role.SALESPERSON: ("sales", ["my-desk-riverside", "follow-ups", "lapsing", "my-commission"]),
    Role.PROJECT_MANAGER: (
        "sales",
        ["desks", "approvals", "referrals-today", "deals-to-confirm", "opinions-to-write", "extra-work"],
    ),
    Role.SALES_DIRECTOR: ("sales", ["rulings", "commission-on-hold"]),
    Role.STORE_CLERK: ("store", ["till"]),
    Role.STORE_MANAGER: ("store", ["till", "expiring-cards", "shortfalls", "reminders"]),
    Role.SERVICE_DESK_STAFF: ("office", ["open-items"]),
    Role.REPAIR_LEAD: ("office", ["callbacks-due"]),
    Role.ADMIN: ("sales", ["desks", "approvals", "rulings"]),
}


@pytest.fixture
def sites(db):
    sales = Site.objects.create(name="Riverside", code="riverside", kind=Site.Kind.SALES_OFFICE)
    DeskSettings.objects.create(site=sales)
    return {
        "sales": sales,
        "store": Site.objects.create(name="Nanjing Road", code="nanjing", kind=Site.Kind.STORE),
        "office": Site.objects.create(name="Garden Court", code="garden", kind=Site.Kind.PROPERTY_OFFICE),
    }


def open_page(browser, live_server, username: str, path: str) -> Page:
    context = browser.new_context(locale="en-US", viewport=DESKTOP)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next={path}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    return page


def assert_fits(page: Page, what: str) -> None:
    assert page.evaluate(NO_SIDEWAYS_SCROLL), f"{what} scrolls sideways at {page.viewport_size['width']} px"


@pytest.mark.parametrize("role", list(ROLES), ids=[r.value for r in ROLES])
def test_each_role_home_shows_its_panels_at_desk_and_phone_width(role, sites, browser, live_server):
    kind, panels = ROLES[role]
    make_user("person", role, [sites[kind]])
    page = open_page(browser, live_server, "person", "/")
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        page.goto(f"{live_server.url}/")
        for panel in panels:
            expect(page.get_by_test_id(f"panel-{panel}")).to_be_visible()
        assert_fits(page, f"the {role.value}'s home")
    page.context.close()


def test_the_supervisor_home_is_the_desk_board_at_both_widths(sites, browser, live_server):
    make_user("person", Role.SITE_SUPERVISOR, [sites["sales"]])
    page = open_page(browser, live_server, "person", "/")
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        page.goto(f"{live_server.url}/")
        page.wait_for_url(f"{live_server.url}/desk/riverside/")
        expect(page.get_by_test_id("rota-table")).to_be_visible()
        assert_fits(page, "the supervisor's board")
    page.context.close()


def test_a_salesperson_registers_a_visit_and_reads_the_client_on_a_phone(sites, browser, live_server):
    make_user("ann", Role.SALESPERSON, [sites["sales"]])
    page = open_page(browser, live_server, "ann", "/")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/register/riverside/visit/")
    assert_fits(page, "the visit registration")
    page.locator("#id_name").fill("欧阳娜娜 Ouyang Nana-Wilhelmina-Alexandra")
    page.locator("#id_phone").fill("13800138001")
    page.get_by_role("button", name="Register the visit").click()
    page.wait_for_url("**/clients/*/")
    expect(page.locator("#timeline")).to_be_visible()
    assert_fits(page, "the client page")
    page.goto(f"{live_server.url}/")
    expect(page.get_by_test_id("panel-my-desk-riverside")).to_be_visible()
    assert_fits(page, "my day")
    page.context.close()


def test_the_menu_counts_what_awaits_the_project_manager(sites, browser, live_server):
    ann = make_user("ann", Role.SALESPERSON, [sites["sales"]])
    make_user("pm", Role.PROJECT_MANAGER, [sites["sales"]])
    for name, phone in (("Huang Wei", "13800138001"), ("Li Na", "13800138002")):
        visit_register(site=sites["sales"], actor=ann, salesperson=ann, name=name, phones=[phone], now=timezone.now())
    page = open_page(browser, live_server, "pm", "/register/riverside/approvals/")
    page.set_viewport_size(PHONE)
    # The badge comes in its own request once the page is shown (salesoffice.views.nav_counts).
    expect(page.locator("#navcount-attribution-approvals-riverside")).to_have_text("2")
    page.get_by_role("button", name="Menu").click()
    expect(page.locator("#nav")).to_contain_text("Approvals2")
    assert_fits(page, "the approvals with the menu open")
    page.context.close()
