"""The register's pages: registering a visit (with the htmx check), the approval queue, the client list and the
dispute queue — who may open them, what bad input gets, and bounded query counts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from attribution import selectors, services
from attribution.models import Client, ClientPhone, DisputeOpinion, VisitApproval, VisitEntry
from reception import services as desk
from reception.models import Reception
from salesoffice.roles import Role

from ..conftest import at, key, make_user, open_desk
from ..reception.test_views import text_of
from .conftest import NOW, approve, register, registered

HTMX = {"HX-Request": "true"}


def url(name: str, site: str = "riverside", **kwargs) -> str:
    return reverse(f"attribution:{name}", kwargs={"site": site, **kwargs})


def visit_data(**overrides) -> dict:
    return {"name": "Mr Huang", "phone": "13800138001", "source": "walk_in", **overrides}


def page_text(response) -> str:
    return " ".join(response.content.decode().split())


# --- who may open which page -------------------------------------------------------------------------------

PERSONAS = ["ann", "supervisor", "project_manager", "sales_manager", "sales_director", "store_clerk", "outsider"]


@pytest.fixture
def persona(request, site, other_site, salespeople, supervisor, project_manager, sales_manager, outsider):
    return {
        "ann": salespeople[0],
        "supervisor": supervisor,
        "project_manager": project_manager,
        "sales_manager": sales_manager,
        "sales_director": request.getfixturevalue("sales_director"),
        "store_clerk": request.getfixturevalue("store_clerk"),
        "outsider": outsider,  # a supervisor of the other site: this site does not exist for them
    }


# The status each persona gets on each page of Riverside.
MATRIX = {
    #                 ann  sup  pm   sm   dir  clerk out
    "register": (200, 200, 200, 200, 403, 403, 404),
    "approvals": (403, 403, 200, 403, 403, 403, 404),
    "clients": (200, 200, 200, 200, 200, 403, 404),
    "disputes": (403, 403, 403, 403, 200, 403, 404),
}
# The queries of each of those requests.
QUERIES = {
    #                 ann  sup  pm   sm   dir  clerk out
    "register": (5, 6, 6, 6, 5, 5, 5),
    "approvals": (5, 5, 7, 5, 5, 5, 5),
    "clients": (7, 7, 7, 7, 7, 5, 5),
    "disputes": (5, 5, 5, 5, 6, 5, 5),
}


@pytest.mark.parametrize("page", MATRIX)
def test_permission_matrix(page, clock, persona, client, django_assert_num_queries):
    for name, expected, queries in zip(PERSONAS, MATRIX[page], QUERIES[page], strict=True):
        client.force_login(persona[name])
        with django_assert_num_queries(queries):
            response = client.get(url(page))
        assert response.status_code == expected, (page, name)


@pytest.mark.parametrize("page", MATRIX)
def test_pages_need_a_login(page, site, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(url(page))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_an_unknown_site_is_404(clock, site, project_manager, client, django_assert_num_queries):
    client.force_login(project_manager)
    with django_assert_num_queries(5):
        assert client.get(url("clients", site="nowhere")).status_code == 404


def test_navigation_offers_each_role_its_pages(
    clock, site, salespeople, project_manager, sales_director, browser_as, django_assert_num_queries
):
    def nav(user):
        web = browser_as(user)
        with django_assert_num_queries(7):
            return text_of(web.get(url("clients")), "nav")

    assert all(label in nav(salespeople[0]) for label in ("Register visit", "Clients", "Front desk"))
    assert "Approvals" not in nav(salespeople[0]) and "Disputes" not in nav(salespeople[0])
    assert "Approvals" in nav(project_manager) and "Disputes" not in nav(project_manager)
    assert "Disputes" in nav(sales_director) and "Register visit" not in nav(sales_director)


# --- registering a visit -----------------------------------------------------------------------------------


def test_a_salesperson_registers_a_visit_for_themselves(
    clock, site, salespeople, browser_as, django_assert_num_queries
):
    ann = salespeople[0]
    page = browser_as(ann)
    with django_assert_num_queries(5):
        assert "salesperson" not in page.get(url("register")).context["form"].fields
    # 27 + the project managers to tell (issue 19): none on this site.
    with django_assert_num_queries(28):
        response = page.post(url("register"), visit_data(phone2="13900139001", budget="2500000.50", grade="A"))
    entry = VisitEntry.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("client", client_id=entry.client_id)
    assert (entry.salesperson, entry.registered_by, entry.registered_at) == (ann, ann, NOW)
    assert entry.budget == Decimal("2500000.50")
    assert sorted(ClientPhone.objects.values_list("phone_normalised", flat=True)) == [
        "+8613800138001",
        "+8613900139001",
    ]
    with django_assert_num_queries(11):
        landing = page.get(response["Location"])
    assert "it counts once the project manager approves it (ATT-REG-1)" in text_of(landing, "page-messages")


def test_a_supervisor_registers_for_a_salesperson(
    clock, site, salespeople, supervisor, browser_as, django_assert_num_queries
):
    bob = salespeople[1]
    page = browser_as(supervisor)
    with django_assert_num_queries(6):
        assert page.get(url("register")).context["form"].fields["salesperson"].required
    # 26 + the project managers to tell (issue 19): none on this site.
    with django_assert_num_queries(27):
        assert page.post(url("register"), visit_data(salesperson=bob.pk)).status_code == 302
    entry = VisitEntry.objects.get()
    assert (entry.salesperson, entry.registered_by) == (bob, supervisor)


def test_an_invalid_phone_is_a_field_error_and_saves_nothing(
    clock, site, salespeople, browser_as, django_assert_num_queries
):
    signed_in = browser_as(salespeople[0])
    with django_assert_num_queries(5):
        response = signed_in.post(url("register"), visit_data(phone="12345"))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["phone"]
    assert "12345 is not a valid phone number." in text_of(response, "error_1_id_phone")
    assert not Client.objects.exists() and not VisitEntry.objects.exists()


def test_a_client_held_by_another_shows_whose_and_until_when(
    clock, site, salespeople, project_manager, browser_as, django_assert_num_queries
):
    ann, bob = salespeople[:2]
    registered(site, ann, project_manager, at(3, 10))
    signed_in = browser_as(bob)
    with django_assert_num_queries(18):
        response = signed_in.post(url("register"), visit_data(name="Huang"))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["phone"]
    error = text_of(response, "error_1_id_phone")
    assert "registered to Ann, valid until 2026-04-03" in error and "ATT-REG-2, ATT-REG-3" in error
    assert VisitEntry.objects.count() == 1 and Client.objects.count() == 1 and ClientPhone.objects.count() == 1


def test_a_future_visit_is_a_field_error(clock, site, salespeople, browser_as, django_assert_num_queries):
    signed_in = browser_as(salespeople[0])
    with django_assert_num_queries(6):
        response = signed_in.post(url("register"), visit_data(visited_at="2026-03-20T11:00"))
    assert list(response.context["form"].errors) == ["visited_at"]
    assert not VisitEntry.objects.exists()


def test_the_visit_time_is_read_in_the_sites_zone(clock, site, salespeople, browser_as, django_assert_num_queries):
    signed_in = browser_as(salespeople[0])
    # 23 + the project managers to tell (issue 19): none on this site.
    with django_assert_num_queries(24):
        signed_in.post(url("register"), visit_data(visited_at="2026-03-20T09:15"))
    assert VisitEntry.objects.get().visited_at == at(20, 9, 15)


def test_near_duplicates_are_flagged_on_success(
    clock, site, salespeople, project_manager, browser_as, django_assert_num_queries
):
    registered(site, salespeople[1], project_manager, at(3, 10), phone="13800138001")
    page = browser_as(salespeople[0])
    # 35 + the project manager told the day awaits approval (issue 19): who, then the key, the notification and its
    # queued email in a savepoint.
    with django_assert_num_queries(41):
        response = page.post(url("register"), visit_data(phone="13800138002"), follow=True)
    messages = text_of(response, "page-messages")
    assert "Possible duplicates flagged for the project manager (ATT-REG-3): Mr Huang (13800138001)" in messages
    assert VisitEntry.objects.latest("pk").possible_duplicates[0]["phone"] == "13800138001"


def test_the_spouse_hint_is_kept_and_a_known_spouse_is_pointed_out(
    clock, site, salespeople, project_manager, browser_as, django_assert_num_queries
):
    registered(site, salespeople[1], project_manager, at(3, 10), phone="13700137001", name="Mrs Huang")
    signed_in = browser_as(salespeople[0])
    # 35 + the project manager told the day awaits approval (issue 19): who, then the key, the notification and its
    # queued email in a savepoint.
    with django_assert_num_queries(41):
        response = signed_in.post(url("register"), visit_data(spouse_hint="13700137001"), follow=True)
    assert "belongs to Mrs Huang on the register" in text_of(response, "page-messages")
    assert VisitEntry.objects.latest("pk").note == "Spouse: 13700137001"


def test_a_visit_links_to_a_desk_reception_of_the_site(
    clock, site, other_site, salespeople, supervisor, browser_as, django_assert_num_queries
):
    open_desk(site, salespeople, supervisor, at(20, 9))
    reception = desk.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(20, 9, 30)).reception
    page = browser_as(supervisor)
    address = f"{url('register')}?reception={reception.pk}"
    with django_assert_num_queries(7):
        form = page.get(address).context["form"]
    assert form.initial["salesperson"] == reception.salesperson_id
    # 30 + the project managers to tell (issue 19): none on this site.
    with django_assert_num_queries(31):
        assert page.post(address, visit_data(salesperson=reception.salesperson_id)).status_code == 302
    entry = VisitEntry.objects.get()
    assert entry.reception == reception
    assert Reception.objects.get(pk=reception.pk).client_id == entry.client_id
    with django_assert_num_queries(6):
        assert page.get(f"{url('register')}?reception=99999").status_code == 404
    with django_assert_num_queries(5):
        assert page.get(f"{url('register')}?reception=abc").status_code == 404


def test_a_reception_of_another_site_is_404(
    clock, site, other_site, salespeople, browser_as, django_assert_num_queries
):
    other_supervisor = make_user("osup", Role.SITE_SUPERVISOR, [other_site])
    other_ann = make_user("oann", Role.SALESPERSON, [other_site])
    from reception.models import RotaMember

    RotaMember.objects.create(site=other_site, salesperson=other_ann, position=1)
    open_desk(other_site, [other_ann], other_supervisor, at(20, 9))
    reception = desk.walk_in_arrive(
        site=other_site, actor=other_supervisor, request_key=key(), now=at(20, 9, 30)
    ).reception
    signed_in = browser_as(salespeople[0])
    with django_assert_num_queries(6):
        response = signed_in.get(f"{url('register')}?reception={reception.pk}")
    assert response.status_code == 404


# --- the check as the desk types -----------------------------------------------------------------------------


def test_the_check_says_who_holds_the_client_and_until_when(
    clock, site, salespeople, project_manager, browser_as, django_assert_num_queries
):
    ann, bob = salespeople[:2]
    registered(site, ann, project_manager, at(3, 10))
    page = browser_as(bob)
    with django_assert_num_queries(9):
        page.get(url("register_check"), {"phone": "138 0013 8001"}, headers=HTMX)  # warm-up: sessions, permissions
    with django_assert_num_queries(10):
        response = page.get(url("register_check"), {"phone": "138 0013 8001", "name": "Mr Huang"}, headers=HTMX)
    text = page_text(response)
    assert "<html" not in text
    assert "Mr Huang is registered to Ann, valid until 2026-04-03 (ATT-REG-2, ATT-REG-3)." in text
    assert "will refuse another salesperson" in text
    assert "alert-danger" in text
    # The holder themselves is told the same without the warning.
    signed_in = browser_as(ann)
    with django_assert_num_queries(9):
        own = signed_in.get(url("register_check"), {"phone": "13800138001"}, headers=HTMX)
    assert "registered to Ann" in page_text(own) and "refuse" not in page_text(own)


def test_the_check_shows_an_entry_awaiting_approval_and_near_duplicates(
    clock, site, salespeople, browser_as, django_assert_num_queries
):
    register(site, salespeople[0], at(20, 9), phone="13800138001")
    page = browser_as(salespeople[1])
    with django_assert_num_queries(9):
        pending = page_text(page.get(url("register_check"), {"phone": "13800138001"}, headers=HTMX))
    # Said, never refused: the register records every visit (ATT-REG-1 Decision).
    assert "Ann registered first at 2026-03-20 09:00, awaiting approval: the earlier wins if approved" in pending
    assert "ATT-REG-3" in pending and "You may still register this visit" in pending
    with django_assert_num_queries(7):
        similar = page_text(page.get(url("register_check"), {"phone": "13800138002", "name": "Mr Huang"}, headers=HTMX))
    assert "No client on the register has this phone: a new client." in similar
    assert "Possible duplicates" in similar and "13800138001" in similar


def test_the_check_reports_an_invalid_phone(clock, site, salespeople, browser_as, django_assert_num_queries):
    signed_in = browser_as(salespeople[0])
    with django_assert_num_queries(4):
        response = signed_in.get(url("register_check"), {"phone": "999"}, headers=HTMX)
    assert "999 is not a valid phone number." in page_text(response)
    signed_in = browser_as(salespeople[0])
    with django_assert_num_queries(4):
        assert signed_in.get(url("register_check"), headers=HTMX).status_code == 200


# --- the approval queue ------------------------------------------------------------------------------------


def test_the_queue_lists_unreviewed_entries_with_duplicates_and_holder(
    clock, site, salespeople, project_manager, browser_as, django_assert_num_queries
):
    ann, bob = salespeople[:2]
    registered(site, ann, project_manager, at(3, 10), phone="13800138001")
    register(site, ann, at(19, 16), phone="13800138001")  # a revisit, awaiting review
    register(site, bob, at(20, 9), phone="13800138002")  # same name, a similar phone
    signed_in = browser_as(project_manager)
    with django_assert_num_queries(9):
        response = signed_in.get(url("approvals"))
    text = page_text(response)
    assert [row.entry.salesperson for _day, rows in response.context["days"] for row in rows] == [ann, bob]
    assert "2026-03-19" in text and "2026-03-20 · today" in text
    assert "Ann, valid until 2026-04-03" in text
    assert text.count("13800138001") >= 2  # the flagged duplicate on Bob's line


def test_approving_and_rejecting_one_entry(
    clock, site, salespeople, project_manager, browser_as, django_assert_num_queries
):
    first = register(site, salespeople[0], at(20, 9), phone="13800138001").entry
    second = register(site, salespeople[1], at(20, 9, 5), phone="13900139001").entry
    page = browser_as(project_manager)
    with django_assert_num_queries(23):
        assert page.post(url("approval_review", entry_id=first.pk), {"decision": "approve"}).status_code == 302
    with django_assert_num_queries(15):
        response = page.post(url("approval_review", entry_id=second.pk), {"decision": "reject"})
    assert response.status_code == 200
    assert "Say why the entry is rejected." in text_of(response, f"error_1_id_reason_{second.pk}")
    with django_assert_num_queries(22):
        assert page.post(url("approval_review", entry_id=second.pk), {"decision": "reject", "reason": "test entry"})
    approvals = {a.entry_id: a for a in VisitApproval.objects.all()}
    assert approvals[first.pk].approved and approvals[first.pk].approved_by == project_manager
    assert not approvals[second.pk].approved and approvals[second.pk].reason == "test entry"
    assert approvals[first.pk].approved_at == NOW


def test_approving_ones_own_entry_is_refused(
    clock, site, salespeople, project_manager, browser_as, django_assert_num_queries
):
    entry = register(site, salespeople[0], at(20, 9), actor=project_manager).entry  # written by the PM
    signed_in = browser_as(project_manager)
    with django_assert_num_queries(15):
        response = signed_in.post(url("approval_review", entry_id=entry.pk), {"decision": "approve"})
    assert response.status_code == 200
    assert "Nobody approves their own register entry (ATT-REG-1)." in page_text(response)
    assert not VisitApproval.objects.exists()


def test_another_sites_entry_is_404(
    clock, site, other_site, salespeople, project_manager, other_pm, browser_as, django_assert_num_queries
):
    entry = register(site, salespeople[0], at(20, 9)).entry
    signed_in = browser_as(other_pm)
    with django_assert_num_queries(6):
        response = signed_in.post(url("approval_review", site="hillside", entry_id=entry.pk), {"decision": "approve"})
    assert response.status_code == 404
    assert not VisitApproval.objects.exists()


def test_approve_a_whole_day_skips_what_the_rules_refuse(
    clock, site, salespeople, project_manager, browser_as, django_assert_num_queries
):
    ann, bob, cat = salespeople[:3]
    register(site, ann, at(19, 9), phone="13800138001")
    register(site, bob, at(19, 11), phone="13800138002", name="Mr Li")
    register(site, cat, at(19, 12), phone="13800138003", name="Mr Wu", actor=project_manager)
    register(site, ann, at(20, 9), phone="13800138004", name="Mr Xu")  # another day: stays
    response = browser_as(project_manager).post(
        url("approval_day"), {"day": "2026-03-19", "confirmed": "1"}, follow=True
    )
    messages = text_of(response, "page-messages")
    assert "2 entries registered on 2026-03-19 approved." in messages
    assert "1 entry of 2026-03-19 left for a review of its own:" in messages
    assert "Mr Wu (Cat): Nobody approves their own register entry (ATT-REG-1)." in messages
    assert VisitApproval.objects.count() == 2


def test_approving_a_whole_day_asks_first_saying_how_many_entries(
    clock, site, salespeople, project_manager, browser_as, django_assert_num_queries
):
    ann, bob = salespeople[:2]
    register(site, ann, at(19, 9), phone="13800138001")
    register(site, bob, at(19, 11), phone="13800138002", name="Mr Li")
    register(site, ann, at(20, 9), phone="13800138004", name="Mr Xu")  # another day: not counted
    page = browser_as(project_manager)
    with django_assert_num_queries(6):
        asked = page.post(url("approval_day"), {"day": "2026-03-19"})
    assert asked.status_code == 200 and not VisitApproval.objects.exists()
    assert "Up to 2 entries registered on 2026-03-19 are approved" in text_of(asked, "will-happen")
    assert 'name="day" value="2026-03-19"' in asked.content.decode()  # the page posts the same day, confirmed


def test_approve_a_whole_day_leaves_flagged_look_alikes_for_a_look_of_their_own_ATT_REG_3(
    clock, site, salespeople, project_manager, browser_as, django_assert_num_queries
):
    ann, bob = salespeople[:2]
    register(site, ann, at(19, 9), phone="13800138001", name="Huang Wei")
    look_alike = register(site, bob, at(19, 10), phone="13800138010", name="Huang Wei").entry
    assert look_alike.possible_duplicates
    response = browser_as(project_manager).post(
        url("approval_day"), {"day": "2026-03-19", "confirmed": "1"}, follow=True
    )
    messages = text_of(response, "page-messages")
    assert "1 entry registered on 2026-03-19 approved." in messages
    assert "1 entry of 2026-03-19 left for a review of its own:" in messages
    assert "Huang Wei (Bob): Looks like a client already on the register: review it on its own. (ATT-REG-3)" in messages
    assert not VisitApproval.objects.filter(entry=look_alike).exists()
    assert VisitApproval.objects.count() == 1


def test_the_queue_costs_the_same_for_one_and_thirty_entries(
    clock, site, salespeople, project_manager, browser_as, django_assert_num_queries
):
    page = browser_as(project_manager)
    registered(site, salespeople[0], project_manager, at(3, 9), phone="13800138000", name="Client 0")
    register(site, salespeople[0], at(19, 9), phone="13800138000")  # a revisit of a held client
    with django_assert_num_queries(9):
        page.get(url("approvals"))
    # The page is one LIMIT (no count of the queue), the overdue count one capped query (ATT-REG-1 Decision), the
    # holders one read of their summaries: whatever the number of entries (issue 17).
    with django_assert_num_queries(9) as one:
        page.get(url("approvals"))
    for n in range(1, 30):
        register(site, salespeople[n % 5], at(19, 9, n), phone=f"138001381{n:02d}", name=f"Client {n}")
    with django_assert_num_queries(9) as thirty:
        response = page.get(url("approvals"))
    assert len(one.captured_queries) == len(thirty.captured_queries)
    assert len(response.context["page"].object_list) == 25
    assert response.context["overdue_count"] == 30 and not response.context["overdue_more"]
    assert response.context["page"].has_next() and not response.context["page"].has_previous()
    with django_assert_num_queries(8):
        second = page.get(url("approvals"), {"page": 2})
    assert [row.entry.client.name for _day, rows in second.context["days"] for row in rows] == [
        f"Client {n}" for n in range(25, 30)
    ]
    assert not second.context["page"].has_next() and "Page 2<" in second.content.decode()


def test_the_overdue_count_stops_past_what_the_page_shows(
    clock, site, salespeople, project_manager, browser_as, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(selectors, "OVERDUE_SHOWN", 3)
    for n in range(5):
        register(site, salespeople[n % 5], at(19, 9, n), phone=f"138001381{n:02d}", name=f"Client {n}")
    signed_in = browser_as(project_manager)
    with django_assert_num_queries(8):
        response = signed_in.get(url("approvals"))
    assert (response.context["overdue_count"], response.context["overdue_more"]) == (3, True)
    assert "More than 3 entries are overdue" in page_text(response)


# --- the client list ---------------------------------------------------------------------------------------


def test_a_salesperson_sees_only_their_own_clients_a_manager_all(
    clock, site, salespeople, project_manager, sales_director, browser_as, django_assert_num_queries
):
    ann, bob = salespeople[:2]
    registered(site, ann, project_manager, at(3, 10), phone="13800138001", name="Ann's client")
    registered(site, bob, project_manager, at(4, 10), phone="13900139001", name="Bob's client")

    def names(user):
        web = browser_as(user)
        with django_assert_num_queries(11):
            response = web.get(url("clients"))
        return [row.client.name for row in response.context["rows"]]

    assert names(ann) == ["Ann's client"]
    assert names(bob) == ["Bob's client"]
    assert names(project_manager) == ["Bob's client", "Ann's client"]
    assert names(sales_director) == ["Bob's client", "Ann's client"]


def test_the_list_shows_the_owner_and_until_when(
    clock, site, salespeople, project_manager, browser_as, django_assert_num_queries
):
    registered(site, salespeople[0], project_manager, at(3, 10))
    registered(site, salespeople[1], project_manager, at(1, 10), phone="13900139001")
    register(site, salespeople[2], at(19, 10), phone="13700137001", name="Unapproved")
    signed_in = browser_as(project_manager)
    with django_assert_num_queries(11):
        rows = signed_in.get(url("clients")).content.decode()
    table = " ".join(rows.split())
    assert "Ann</td> <td>2026-04-03</td>" in table
    assert "Bob</td> <td>2026-04-01</td>" in table
    assert "free" in table  # the unapproved entry holds nothing (ATT-REG-1)


@pytest.mark.parametrize(
    # The queries differ by filter (a search reads more, an empty page reads no rows' details), not by rows.
    ("query", "expected", "queries"),
    [
        ({"search": "huang"}, ["Mr Huang"], 12),
        ({"search": "139 0013"}, ["Mr Li"], 12),
        ({"grade": "A"}, ["Mr Li"], 11),
        ({"status": "valid"}, ["Mr Li", "Mr Huang"], 11),
        ({"status": "free"}, ["Mr New", "Mr Old"], 10),
        ({"owner": "ann"}, ["Mr Huang"], 11),
        ({"owner": "ann", "status": "free"}, [], 7),
    ],
)
def test_the_list_is_searched_and_filtered(
    query, expected, queries, clock, site, salespeople, project_manager, browser_as, django_assert_num_queries
):
    people = {p.username: p for p in salespeople}
    registered(site, people["ann"], project_manager, at(3, 10), phone="13800138001", name="Mr Huang")
    registered(site, people["bob"], project_manager, at(4, 10), phone="13900139001", name="Mr Li", grade="A")
    registered(site, people["cat"], project_manager, at(5, 10, month=1), phone="13700137001", name="Mr Old")
    register(site, people["dan"], at(19, 10), phone="13600136001", name="Mr New")
    if "owner" in query:
        query = {**query, "owner": people[query["owner"]].pk}
    web = browser_as(project_manager)
    with django_assert_num_queries(queries):
        response = web.get(url("clients"), query)
    assert [row.client.name for row in response.context["rows"]] == expected


@pytest.mark.parametrize(
    ("term", "expected"),
    [("王伟", ["王伟"]), ("伟", ["王伟"]), ("HUANG", ["Mr Huang"]), ("r hu", ["Mr Huang"]), ("1390-0139", ["王伟"])],
)
def test_the_search_reads_chinese_as_typed_and_letters_in_any_case(
    term, expected, clock, site, salespeople, project_manager, browser_as, django_assert_num_queries
):
    registered(site, salespeople[0], project_manager, at(3, 10), phone="13800138001", name="Mr Huang")
    registered(site, salespeople[1], project_manager, at(4, 10), phone="13900139001", name="王伟")
    signed_in = browser_as(project_manager)
    with django_assert_num_queries(12):
        response = signed_in.get(url("clients"), {"search": term})
    assert [row.client.name for row in response.context["rows"]] == expected


# Every variant of the list reads the clients' summaries, in a fixed number of queries whoever asks: 10, one fewer
# when no row has a holder to name, one more for a search (the matching names are read once, for count and page).
LIST_VARIANTS = [
    ({}, 11),
    ({"status": "valid"}, 11),
    ({"status": "free"}, 10),
    ({"grade": "A"}, 11),
    ({"search": "client"}, 12),
    ({"owner": "ann"}, 11),
]


def test_the_list_costs_the_same_for_one_and_thirty_clients(
    clock, site, salespeople, project_manager, browser_as, django_assert_num_queries
):
    ann = salespeople[0]

    def rows(user, query, queries):
        page = browser_as(user)
        query = {**query, "owner": ann.pk} if "owner" in query else query
        page.get(url("clients"), query)  # the session and permissions cached, as on a second visit
        with django_assert_num_queries(queries):
            return page.get(url("clients"), query).context["rows"]

    # One client of each status, so that every variant lists someone.
    registered(site, ann, project_manager, at(3, 10), phone="13800138000", name="Client 0", grade="A")
    registered(site, ann, project_manager, at(5, 10, month=1), phone="13700137000", name="Client lapsed", grade="A")
    for user in (project_manager, ann):
        for query, queries in LIST_VARIANTS:
            assert rows(user, query, queries)
    for n in range(1, 30):
        when = at(3, 10) + dt.timedelta(hours=n)
        registered(site, ann, project_manager, when, phone=f"138001381{n:02d}", name=f"Client {n}", grade="A")
        if n % 3 == 0:  # some with a history of revisits
            approve(register(site, ann, at(10, 10), phone=f"138001381{n:02d}").entry, project_manager, at(10, 18))
    for user in (project_manager, ann):
        for query, queries in LIST_VARIANTS:
            assert len(rows(user, query, queries)) == (1 if query.get("status") == "free" else 25)
    assert all(row.holder_name for row in rows(project_manager, {}, 11))


# --- the dispute queue -------------------------------------------------------------------------------------


def opinion(site, client, pm, when, shares):
    return services.dispute_open(
        site=site, client=client, actor=pm, reasoning="Both worked on it.", shares=shares, now=when
    )


def test_the_director_reviews_and_approves_an_opinion(
    clock, site, salespeople, project_manager, sales_director, browser_as, django_assert_num_queries
):
    ann, bob = salespeople[:2]
    client = registered(site, ann, project_manager, at(3, 10))
    dispute = opinion(site, client, project_manager, at(19, 10), [(ann, Decimal(60)), (bob, Decimal(40))])
    page = browser_as(sales_director)
    with django_assert_num_queries(11):
        queue = page_text(page.get(url("disputes")))
    assert "Mr Huang" in queue and "Ann 60%, Bob 40%" in queue and "ATT-REG-2, ATT-REG-3" in queue
    with django_assert_num_queries(16):
        detail = page.get(url("dispute", opinion_id=dispute.pk))
    assert "Commission on hold" in text_of(detail, "ownership")
    assert "ATT-DISP-1" in text_of(detail, "timeline")
    asked = page.post(url("dispute_decide", opinion_id=dispute.pk), {"decision": "approve", "note": "fair"})
    assert asked.status_code == 200 and "Ann 60%, Bob 40%" in text_of(asked, "will-happen")
    assert DisputeOpinion.objects.get(pk=dispute.pk).decided_at is None
    response = page.post(
        url("dispute_decide", opinion_id=dispute.pk), {"decision": "approve", "note": "fair", "confirmed": "1"}
    )
    assert response.status_code == 302 and response["Location"] == url("disputes")
    dispute.refresh_from_db()
    assert (dispute.approved, dispute.decided_by, dispute.decided_at, dispute.decision_note) == (
        True,
        sales_director,
        NOW,
        "fair",
    )
    signed_in = browser_as(project_manager)
    with django_assert_num_queries(13):
        after = signed_in.get(url("client", client_id=client.pk))
    assert "Bob 40% ATT-DISP-1" in " ".join(text_of(after, "shares").split()) or "40%" in text_of(after, "shares")
    assert "The sales director approved the opinion" in text_of(after, "timeline")


def test_the_author_of_an_opinion_cannot_rule_on_it(
    clock, site, salespeople, project_manager, browser_as, django_assert_num_queries
):
    admin = make_user("boss", Role.ADMIN, [site])
    client = registered(site, salespeople[0], project_manager, at(3, 10))
    dispute = opinion(site, client, admin, at(19, 10), [(None, Decimal(100))])
    signed_in = browser_as(admin)
    with django_assert_num_queries(19):
        response = signed_in.post(url("dispute_decide", opinion_id=dispute.pk), {"decision": "approve"})
    assert response.status_code == 200
    assert "The author of an opinion cannot rule on it (ATT-DISP-1)." in text_of(response, "opinion")
    assert DisputeOpinion.objects.get().decided_at is None


def test_another_sites_opinion_is_404(
    clock, site, other_site, salespeople, project_manager, sales_director, browser_as, django_assert_num_queries
):
    client = registered(site, salespeople[0], project_manager, at(3, 10))
    dispute = opinion(site, client, project_manager, at(19, 10), [(salespeople[0], Decimal(100))])
    page = browser_as(sales_director)
    with django_assert_num_queries(6):
        assert page.get(url("dispute", site="hillside", opinion_id=dispute.pk)).status_code == 404
    with django_assert_num_queries(6):
        assert (
            page.post(
                url("dispute_decide", site="hillside", opinion_id=dispute.pk), {"decision": "approve"}
            ).status_code
            == 404
        )


def test_the_dispute_queue_costs_the_same_for_one_and_ten_opinions(
    clock, site, salespeople, project_manager, sales_director, browser_as, django_assert_num_queries
):
    page = browser_as(sales_director)

    def add(n):
        client = registered(
            site, salespeople[n % 5], project_manager, at(3, 10, n), phone=f"138001381{n:02d}", name=f"C{n}"
        )
        opinion(site, client, project_manager, at(19, 10, n), [(salespeople[n % 5], Decimal(50)), (None, Decimal(50))])

    add(0)
    with django_assert_num_queries(11):
        page.get(url("disputes"))
    with django_assert_num_queries(11) as one:
        page.get(url("disputes"))
    for n in range(1, 10):
        add(n)
    with django_assert_num_queries(11) as ten:
        page.get(url("disputes"))
    assert len(one.captured_queries) == len(ten.captured_queries)


def test_the_list_pages_keep_the_filters(
    clock, site, salespeople, project_manager, browser_as, django_assert_num_queries
):
    for n in range(30):
        register(site, salespeople[n % 5], at(19, 9, n), phone=f"138001381{n:02d}", name=f"Client {n}")
    register(site, salespeople[0], at(19, 10), phone="13900139001", name="Someone else")
    page = browser_as(project_manager)
    with django_assert_num_queries(11):
        first = page.get(url("clients"), {"search": "client"})
    assert first.context["page"].paginator.count == 30
    assert 'href="?search=client&page=2"' in first.content.decode()
    with django_assert_num_queries(11):
        second = page.get(url("clients"), {"search": "client", "page": 2})
    assert len(second.context["rows"]) == 5


@pytest.mark.parametrize(("page", "queries"), [("register", 6), ("approvals", 9), ("clients", 11)])
def test_the_pages_render_in_chinese(
    page, queries, clock, site, salespeople, project_manager, client, django_assert_num_queries
):
    registered(site, salespeople[0], project_manager, at(3, 10))
    register(site, salespeople[0], at(19, 10))
    client.force_login(project_manager)  # no language cookie: the site's default, Simplified Chinese
    with django_assert_num_queries(queries):
        response = client.get(url(page))
    assert response.status_code == 200
    assert response.content.decode().startswith("<!doctype html>") and 'lang="zh-hans"' in response.content.decode()


def test_the_check_shows_nothing_of_another_projects_clients(
    clock, site, other_site, salespeople, project_manager, other_salesperson, browser_as, django_assert_num_queries
):
    registered(site, salespeople[0], project_manager, at(3, 10), phone="13800138001", name="Mr Huang")
    page = browser_as(other_salesperson)
    with django_assert_num_queries(10):
        known = page_text(
            page.get(
                url("register_check", site="hillside"), {"phone": "13800138001", "name": "Zhang San"}, headers=HTMX
            )
        )
    assert "Mr Huang" not in known and "Ann" not in known
    assert "No registration of this phone on this project" in known
    with django_assert_num_queries(6):
        look_alike = page_text(
            page.get(url("register_check", site="hillside"), {"phone": "13800138010", "name": "Mr Huang"}, headers=HTMX)
        )
    assert "Mr Huang" not in look_alike.replace('value="Mr Huang"', "")
