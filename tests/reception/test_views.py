"""The front desk through its web pages: misuse at the desk, bounded query counts, the monthly report."""

import datetime as dt
import re
from decimal import Decimal
from html.parser import HTMLParser
from io import BytesIO

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.test import Client as Browser
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from attribution.models import Client, VisitApproval, VisitEntry
from reception import services
from reception.board_cache import CSRF_PLACEHOLDER
from reception.models import Absence, ChangeRequest, PhoneInquiry, Reception, RotaEvent, Violation
from salesoffice.roles import Role

from ..conftest import at, client_with_phone, key, make_user, open_desk

HTMX = {"HX-Request": "true"}
HALF_A_MINUTE = dt.timedelta(seconds=30)
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Element(HTMLParser):
    """The text inside the element with a given id, and the tags (with attributes) it contains."""

    def __init__(self, element_id: str):
        super().__init__()
        self.element_id = element_id
        self.depth = 0
        self.found = False
        self.text: list[str] = []
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if self.depth:
            self.tags.append((tag, attributes))
            if tag not in VOID:
                self.depth += 1
        elif attributes.get("id") == self.element_id and not self.found:
            self.found = True
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth and tag not in VOID:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)


def element(html: str, element_id: str) -> _Element:
    parser = _Element(element_id)
    parser.feed(html)
    assert parser.found, f"no element #{element_id}"
    return parser


def text_of(response, element_id: str) -> str:
    return " ".join(" ".join(element(response.content.decode(), element_id).text).split())


def url(name: str, **kwargs) -> str:
    return reverse(f"reception:{name}", kwargs={"site": "riverside", **kwargs})


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clock():
    """The desk's clock stands at 2 March 2026, 10:00 in the site's zone."""
    with time_machine.travel(at(2, 10), tick=False):
        yield


@pytest.fixture
def desk_client(client, supervisor):
    client.force_login(supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- Misuse at the desk ---------------------------------------------------------------------------------------


NOBODY = "Nobody is on duty today"


def test_client_arrived_with_nobody_on_duty_htmx_shows_the_reason_in_desk_errors(
    clock, site, salespeople, desk_client, django_assert_num_queries
):
    with django_assert_num_queries(21):
        response = desk_client.post(url("arrive"), {"walkin-request_key": key()}, headers=HTMX)
    assert response.status_code == 200
    assert NOBODY in text_of(response, "desk-errors")
    assert "REC-ROT-1" in text_of(response, "desk-errors")
    # The fragment swaps the board and, out of band, the errors and fresh forms; it is not a whole page.
    assert "<html" not in response.content.decode()
    assert 'id="desk-errors" hx-swap-oob="true"' in response.content.decode()
    assert not Reception.objects.exists()


def test_client_arrived_with_nobody_on_duty_without_htmx_redirects_to_a_page_with_the_message(
    clock, site, salespeople, desk_client, django_assert_num_queries
):
    with django_assert_num_queries(21):
        response = desk_client.post(url("arrive"), {"walkin-request_key": key()})
    assert response.status_code == 302 and response["Location"] == url("board")
    with django_assert_num_queries(20):
        page = desk_client.get(response["Location"])
    assert NOBODY in text_of(page, "page-messages")
    assert not Reception.objects.exists()
    # The message is shown once, not again on the next page.
    with django_assert_num_queries(6):
        assert NOBODY not in desk_client.get(url("board")).content.decode()


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_a_double_click_creates_one_reception(
    headers, clock, site, salespeople, supervisor, desk_client, django_assert_num_queries
):
    open_desk(site, salespeople, supervisor, at(2, 9))
    data = {"walkin-request_key": "same-key", "walkin-client_label": "Mr Chen"}
    with django_assert_num_queries(19):
        first = desk_client.post(url("arrive"), data, headers=headers)
    with django_assert_num_queries(8):
        second = desk_client.post(url("arrive"), data, headers=headers)
    assert first.status_code == second.status_code == (200 if headers else 302)
    reception = Reception.objects.get()
    assert (reception.salesperson.username, reception.client_label) == ("ann", "Mr Chen")
    assert RotaEvent.objects.filter(kind="turn_taken").count() == 1
    # The next press (a new form, a new key) goes to the next in the rota.
    with django_assert_num_queries(19):
        desk_client.post(url("arrive"), {"walkin-request_key": key()}, headers=headers)
    assert list(Reception.objects.order_by("pk").values_list("salesperson__username", flat=True)) == ["ann", "bob"]


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_a_used_request_key_sent_with_other_entries_is_refused_and_the_form_gets_a_new_key(
    headers, clock, site, salespeople, supervisor, desk_client, django_assert_num_queries
):
    open_desk(site, salespeople, supervisor, at(2, 9))
    with django_assert_num_queries(19):
        desk_client.post(
            url("arrive"), {"walkin-request_key": "same-key", "walkin-client_label": "Mr Chen"}, headers=HTMX
        )
    other = {"walkin-request_key": "same-key", "walkin-client_label": "Ms Zhou"}
    response = desk_client.post(url("arrive"), other, headers=headers, follow=True)
    assert response.status_code == 200
    first = Reception.objects.get()
    said = f"This form was already sent with other entries (reception #{first.pk}): nothing was recorded."
    assert said in " ".join(response.content.decode().split())
    form = response.context["walk_in_form"]
    assert form["request_key"].value() not in ("same-key", None)
    assert first.client_label == "Mr Chen" and RotaEvent.objects.filter(kind="turn_taken").count() == 1


def test_a_designation_sent_again_names_the_same_salesperson_or_is_refused(clock, site, salespeople, supervisor):
    open_desk(site, salespeople, supervisor, at(2, 9))
    bob, cat = salespeople[1], salespeople[2]
    request = {"site": site, "actor": supervisor, "request_key": "k1", "now": at(2, 10)}
    first = services.designated_arrive(salesperson=bob, **request).reception
    again = services.designated_arrive(salesperson=bob, **request)
    assert again.duplicate and again.reception == first
    with pytest.raises(services.DeskKeyReused):
        services.designated_arrive(salesperson=cat, **request)
    assert Reception.objects.get() == first and first.salesperson == bob


def test_after_an_htmx_action_the_forms_carry_a_fresh_request_key(
    clock, site, salespeople, supervisor, desk_client, django_assert_num_queries
):
    open_desk(site, salespeople, supervisor, at(2, 9))
    with django_assert_num_queries(19):
        response = desk_client.post(url("arrive"), {"walkin-request_key": "k-used"}, headers=HTMX)
    fresh = response.context["walk_in_form"].initial["request_key"]
    assert fresh != "k-used"
    assert f'value="{fresh}"' in response.content.decode()
    # The action answers with its own form only and tells the board to refresh itself.
    assert response["HX-Trigger"] == "desk-changed"
    assert 'id="board-body"' not in response.content.decode()
    with django_assert_num_queries(13):
        board_response = desk_client.get(url("board_state"), headers=HTMX)
    assert text_of(board_response, "board-body").count("Ann") >= 1
    assert board_response.context["board"].rows[0].availability == "busy"


def test_a_poll_showing_the_current_desk_gets_204_and_a_stale_one_the_board(
    clock, site, salespeople, supervisor, desk_client, django_assert_max_num_queries, django_assert_num_queries
):
    open_desk(site, salespeople, supervisor, at(2, 9))
    with django_assert_num_queries(13):
        shown = desk_client.get(url("board_state"), headers=HTMX).context["board"].token
    with django_assert_max_num_queries(8):
        unchanged = desk_client.get(url("board_state"), {"token": shown}, headers=HTMX)
    assert unchanged.status_code == 204 and unchanged.content == b""
    with django_assert_num_queries(19):
        desk_client.post(url("arrive"), {"walkin-request_key": key()}, headers=HTMX)
    with django_assert_num_queries(13):
        changed = desk_client.get(url("board_state"), {"token": shown}, headers=HTMX)
    assert changed.status_code == 200
    assert changed.context["board"].token != shown


# --- The board, rendered once per desk version (reception/board_cache.py) ----------------------------------------


def csrf_inputs(html: str) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))


def terminal(user) -> Browser:
    """A browser of its own (its own CSRF cookie) that checks CSRF tokens as a real one's requests are checked."""
    browser = Browser(enforce_csrf_checks=True)
    browser.force_login(user)
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return browser


def test_a_second_terminal_gets_the_board_from_the_cache_with_its_own_csrf_token(
    clock, site, salespeople, supervisor, django_assert_max_num_queries, django_assert_num_queries
):
    open_desk(site, salespeople, supervisor, at(2, 9))
    ann = services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 9, 30)).reception
    bob = services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 9, 31)).reception
    first, second = terminal(supervisor), terminal(supervisor)
    with django_assert_num_queries(13):
        rendered = first.get(url("board_state"), headers=HTMX)
    # The session (unless the cache holds it, with Redis), the user, their rights, the site with its desk's state.
    with django_assert_max_num_queries(4):
        cached = second.get(url("board_state"), headers=HTMX)
    assert rendered.context["board"].rows[0].availability == "busy"
    assert cached.context is None or "board" not in cached.context  # nothing rendered: the cache answered
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", rendered.content.decode()) == strip.sub("", cached.content.decode())
    assert CSRF_PLACEHOLDER not in cached.content.decode()
    # Each board carries the token of its own browser: one terminal's token is refused from the other.
    first_token, second_token = (csrf_inputs(r.content.decode()).pop() for r in (rendered, cached))
    end = {"csrfmiddlewaretoken": first_token}
    with django_assert_num_queries(2):
        assert second.post(url("reception_end", reception_id=ann.pk), end, headers=HTMX).status_code == 403
    end = {"csrfmiddlewaretoken": second_token}
    with django_assert_num_queries(14):
        assert second.post(url("reception_end", reception_id=ann.pk), end, headers=HTMX).status_code == 200
    end = {"csrfmiddlewaretoken": first_token}
    with django_assert_num_queries(14):
        assert first.post(url("reception_end", reception_id=bob.pk), end, headers=HTMX).status_code == 200
    assert not Reception.objects.filter(status=Reception.Status.ACTIVE).exists()


def test_a_client_named_like_the_csrf_placeholder_keeps_their_name(
    clock, site, salespeople, supervisor, desk_client, django_assert_num_queries
):
    open_desk(site, salespeople, supervisor, at(2, 9))
    label = f'"{CSRF_PLACEHOLDER}" value="{CSRF_PLACEHOLDER}"'
    services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 9, 30), client_label=label)
    with django_assert_num_queries(13):
        assert label in text_of(desk_client.get(url("board_state"), headers=HTMX), "board-body")


def test_the_cached_board_shows_each_viewer_only_the_buttons_they_may_press(
    clock, site, salespeople, supervisor, client, django_assert_num_queries
):
    open_desk(site, salespeople, supervisor, at(2, 9))
    services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 9, 30))
    client.force_login(supervisor)
    with django_assert_num_queries(13):
        assert 'data-testid="end-Ann"' in client.get(url("board_state"), headers=HTMX).content.decode()
    # A director sees every site's board but may not press its buttons: another cache entry than the above.
    client.force_login(make_user("director", Role.SALES_DIRECTOR, []))
    with django_assert_num_queries(13):
        looking = client.get(url("board_state"), headers=HTMX).content.decode()
    assert 'id="board-body"' in looking and 'data-testid="end-Ann"' not in looking
    assert "csrfmiddlewaretoken" not in looking


def test_the_cached_board_follows_the_language_and_every_change(
    clock, site, salespeople, supervisor, desk_client, django_assert_num_queries
):
    open_desk(site, salespeople, supervisor, at(2, 9))
    with django_assert_num_queries(13):
        english = desk_client.get(url("board_state"), headers=HTMX)
    assert "Today's receptions" in english.content.decode()
    desk_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    with translation.override("zh-hans"):
        heading = translation.gettext("Today's receptions")
    with django_assert_num_queries(13):
        chinese = desk_client.get(url("board_state"), headers=HTMX).content.decode()
    assert heading != "Today's receptions" and heading in chinese
    desk_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with django_assert_num_queries(19):
        desk_client.post(url("arrive"), {"walkin-request_key": key(), "walkin-client_label": "Mr Chen"}, headers=HTMX)
    with django_assert_num_queries(13):
        after = desk_client.get(url("board_state"), headers=HTMX)
    assert "Mr Chen" in text_of(after, "board-body")
    assert after.context["board"].version > english.context["board"].version
    # The full page shows the poll's board, from the same cache entry.
    with django_assert_num_queries(6):
        page = desk_client.get(url("board"))
    assert "Mr Chen" in text_of(page, "board-body") and "board" not in page.context


def test_the_board_moves_on_with_the_minute_when_the_desk_does_not(
    site, salespeople, supervisor, desk_client, django_assert_num_queries
):
    """Lunch duty starts at 12:00 (REC-ROT-7) with no desk change: the minute is part of the board's token."""
    with time_machine.travel(at(2, 11, 59) + HALF_A_MINUTE, tick=False):
        open_desk(site, salespeople, supervisor, at(2, 9))
        with django_assert_num_queries(13):
            before = desk_client.get(url("board_state"), headers=HTMX)
    with time_machine.travel(at(2, 12) + dt.timedelta(seconds=5), tick=False), django_assert_num_queries(13):
        during = desk_client.get(url("board_state"), {"token": before.context["board"].token}, headers=HTMX)
    assert during.status_code == 200
    assert (before.context["board"].lunch_time, during.context["board"].lunch_time) == (False, True)


# An htmx request gets the form back alone; a plain one the whole board around it.
@pytest.mark.parametrize(("headers", "queries"), [(HTMX, 4), ({}, 17)], ids=["htmx", "plain"])
def test_an_invalid_phone_on_the_returning_form_is_a_field_error_and_saves_nothing(
    headers, queries, clock, site, salespeople, supervisor, desk_client, django_assert_num_queries
):
    open_desk(site, salespeople, supervisor, at(2, 9))
    events_before = RotaEvent.objects.count()
    with django_assert_num_queries(queries):
        response = desk_client.post(
            url("arrive_returning"), {"returning-request_key": key(), "returning-phone": "12ab"}, headers=headers
        )
    assert response.status_code == 200
    assert response.context["returning_form"].errors == {"phone": ["Enter a valid phone number."]}
    assert "Enter a valid phone number." in text_of(response, "error_1_id_returning-phone")
    phone_input = next(
        attrs
        for tag, attrs in element(response.content.decode(), "returning-form").tags
        if tag == "input" and attrs.get("name") == "returning-phone"
    )
    assert "is-invalid" in phone_input["class"]
    assert phone_input["value"] == "12ab"
    assert not Reception.objects.exists()
    assert not Client.objects.exists()
    assert RotaEvent.objects.count() == events_before


def test_a_phone_nobody_registered_says_so_at_the_phone_field(
    clock, site, salespeople, supervisor, desk_client, django_assert_num_queries
):
    open_desk(site, salespeople, supervisor, at(2, 9))
    with django_assert_num_queries(10):
        response = desk_client.post(
            url("arrive_returning"), {"returning-request_key": key(), "returning-phone": "13800138000"}, headers=HTMX
        )
    assert "REC-NEW-2" in text_of(response, "error_1_id_returning-phone")
    assert not Reception.objects.exists()


def test_a_returning_client_goes_to_the_owner_through_the_desk(
    clock, site, salespeople, supervisor, desk_client, django_assert_num_queries
):
    open_desk(site, salespeople, supervisor, at(2, 9))
    register(site, salespeople[2], "Ms Wang", "13800138000", at(1, 10), supervisor)
    with django_assert_num_queries(24):
        response = desk_client.post(
            url("arrive_returning"),
            {"returning-request_key": key(), "returning-phone": "138 0013 8000", "returning-party_new_clients": "2"},
            headers=HTMX,
        )
    assert response.status_code == 200
    reception = Reception.objects.get()
    assert (reception.kind, reception.salesperson.username, reception.party_new_clients) == ("returning", "cat", 2)


def violation_data(**overrides) -> dict:
    return {
        "clause": Violation.Clause.CHOSE_CLIENT,
        "occurred_at": "2026-03-02T09:30",
        "description": "ignored a client in work clothes",
        "penalty": "warning",
        "penalty_amount": "50.00",
        **overrides,
    }


@pytest.mark.parametrize(
    # A negative penalty is refused by the form; a time in the future by the rule, after the facts are read.
    ("overrides", "field", "queries"),
    [({"penalty_amount": "-5"}, "penalty_amount", 9), ({"occurred_at": "2026-03-02T10:30"}, "occurred_at", 12)],
    ids=["negative-penalty", "future-time"],
)
def test_a_bad_violation_is_a_field_error(
    overrides, field, queries, clock, site, salespeople, desk_client, django_assert_num_queries
):
    data = violation_data(salesperson=salespeople[1].pk, **overrides)
    with django_assert_num_queries(queries):
        response = desk_client.post(url("violations"), data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert text_of(response, f"error_1_id_{field}")
    assert not Violation.objects.exists()
    assert not RotaEvent.objects.filter(kind="violation").exists()


def test_a_violation_is_recorded_with_its_clause_and_recorder(
    clock, site, salespeople, supervisor, desk_client, django_assert_num_queries
):
    with django_assert_num_queries(12):
        response = desk_client.post(url("violations"), violation_data(salesperson=salespeople[1].pk))
    assert response.status_code == 302
    violation = Violation.objects.get()
    assert violation.recorded_by == supervisor
    assert violation.penalty_amount == Decimal("50.00")
    assert violation.occurred_at == at(2, 9, 30)
    assert RotaEvent.objects.get(kind="violation").rule_id == "REC-NEW-5"


def test_reception_end_twice_ends_once(clock, site, salespeople, supervisor, desk_client, django_assert_num_queries):
    open_desk(site, salespeople, supervisor, at(2, 9))
    reception = services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 9, 30)).reception
    # The second ending finds it ended and writes nothing: fewer queries.
    for queries in (14, 9):
        with django_assert_num_queries(queries):
            response = desk_client.post(url("reception_end", reception_id=reception.pk), headers=HTMX)
        assert response.status_code == 200
    reception.refresh_from_db()
    assert reception.status == Reception.Status.ENDED
    assert RotaEvent.objects.filter(kind="reception_ended").count() == 1


def test_away_while_in_a_reception_is_refused_with_the_clause(
    clock, site, salespeople, supervisor, desk_client, django_assert_num_queries
):
    open_desk(site, salespeople, supervisor, at(2, 9))
    services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 9, 30))
    with django_assert_num_queries(13):
        response = desk_client.post(
            url("away"), {"away-salesperson": salespeople[0].pk, "away-reason": "unexcused"}, headers=HTMX
        )
    assert "REC-ROT-6" in text_of(response, "desk-errors")
    assert not Absence.objects.exists()


# --- Query counts ---------------------------------------------------------------------------------------------


def register(site, salesperson, name, phone, when, approver):
    """A client on the visit register, registered by `salesperson` and approved (ATT-REG-1)."""
    client = client_with_phone(name, phone, when)
    entry = VisitEntry.objects.create(
        client=client, site=site, salesperson=salesperson, visited_at=when, registered_at=when, registered_by=approver
    )
    VisitApproval.objects.create(entry=entry, approved_by=approver, approved_at=when)
    return client


def a_busy_day(site, people, supervisor, project_manager, day: int, *, walk_ins: int = 5):
    """A day at the desk through the services: receptions, a forfeit, an absence, a violation, a call."""
    ann, bob, cat, dan, eve = people
    open_desk(site, people, supervisor, at(day, 9), ready=[ann, bob, dan, eve])
    absence = services.absence_start(
        site=site, salesperson=eve, reason=Absence.Reason.EXTRA_WORK, detail="bank", actor=supervisor, now=at(day, 9, 5)
    )
    services.absence_decide(absence=absence, approve=True, actor=project_manager, now=at(day, 9, 6))
    for minute in range(walk_ins):
        reception = services.walk_in_arrive(
            site=site, actor=supervisor, request_key=key(), now=at(day, 10, minute), client_label=f"c{day}-{minute}"
        ).reception
        services.reception_end(reception=reception, actor=supervisor, now=at(day, 10, minute) + HALF_A_MINUTE)
    services.absence_end(site=site, salesperson=eve, actor=supervisor, now=at(day, 11))
    services.violation_record(
        site=site,
        salesperson=bob,
        clause=Violation.Clause.NO_SEE_OUT,
        description="left the client at the door",
        penalty="",
        penalty_amount=None,
        occurred_at=at(day, 11, 30),
        actor=supervisor,
        now=at(day, 11, 31),
    )
    services.phone_inquiry_log(
        site=site,
        actor=ann,
        now=at(day, 12),
        caller_name=f"caller {day}",
        caller_phone="13800138000",
        new_to_project=True,
        invited_to_visit=True,
        notes="",
    )


# Each page and the most queries it may take (measured plus a little slack), whatever the history holds.
PAGES = {
    "board": (url("board"), 20),
    "board_state": (url("board_state"), 19),
    "rota": (url("rota"), 24),
    "events": (url("events"), 9),
    "absences": (url("absences"), 9),
    "violations": (url("violations"), 10),
    "phone": (url("phone"), 9),
    "report": (url("report") + "?month=2026-03", 12),
    "report_xlsx": (url("report_xlsx") + "?month=2026-03", 11),
    "history": (reverse("audit_history") + "?model=reception.Reception", 10),
}


def count_queries(client, django_assert_max_num_queries) -> dict[str, int]:
    counts = {}
    for name, (address, bound) in PAGES.items():
        cache.clear()  # the board as rendered: a cached one would hide a query that grows with the history
        with django_assert_max_num_queries(bound) as captured:
            response = client.get(address, headers=HTMX if name == "board_state" else {})
        assert response.status_code == 200, name
        counts[name] = len(captured)
    return counts


def test_query_counts_do_not_grow_with_history(
    site,
    salespeople,
    supervisor,
    project_manager,
    client,
    django_assert_max_num_queries,
    django_assert_num_queries,
):
    """Every page costs the same number of queries with one day behind it and with many days and 50+
    receptions, absences, violations, calls and hundreds of events behind it."""
    people = salespeople
    a_busy_day(site, people, supervisor, project_manager, 1, walk_ins=2)
    client.force_login(supervisor)
    with time_machine.travel(at(20, 10, 30), tick=False):
        a_busy_day(site, people, supervisor, project_manager, 20, walk_ins=2)
        services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(20, 10, 20))
        services.absence_start(  # dan stays away throughout: the board shows an open absence in both pictures
            site=site,
            salesperson=people[3],
            reason=Absence.Reason.UNEXCUSED,
            detail="",
            actor=supervisor,
            now=at(20, 10, 25),
        )
        for address, _bound in PAGES.values():  # warm up: the desk's one-off rows, the content types
            client.get(address)
        little = count_queries(client, django_assert_max_num_queries)

    # The one open reception of today is ended while the history is written, and opened again afterwards.
    services.reception_end(reception=Reception.objects.get(status="active"), actor=supervisor, now=at(20, 10, 21))
    for day in range(2, 14):
        a_busy_day(site, people, supervisor, project_manager, day)
    with time_machine.travel(at(20, 10, 30), tick=False):
        for minute in range(22, 29):  # more today as well
            reception = services.walk_in_arrive(
                site=site, actor=supervisor, request_key=key(), now=at(20, 10, minute)
            ).reception
            services.reception_end(reception=reception, actor=supervisor, now=at(20, 10, minute) + HALF_A_MINUTE)
        services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(20, 10, 29))
        assert Reception.objects.count() > 60
        assert Violation.objects.count() > 10 and PhoneInquiry.objects.count() > 10
        assert RotaEvent.objects.count() > 300
        assert Absence.objects.filter(ended_at__isnull=True).count() == 1
        for name, (address, _bound) in PAGES.items():
            cache.clear()
            with django_assert_num_queries(little[name]):
                response = client.get(address, headers=HTMX if name == "board_state" else {})
            assert response.status_code == 200, name


def test_list_pages_paginate(
    clock, site, salespeople, supervisor, project_manager, desk_client, django_assert_num_queries
):
    ann = salespeople[0]
    for minute in range(30):
        services.phone_inquiry_log(
            site=site,
            actor=ann,
            now=at(1, 9, minute),
            caller_name=f"caller-{minute:02d}",
            caller_phone="",
            new_to_project=True,
            invited_to_visit=False,
            notes="",
        )
    with django_assert_num_queries(7):
        first = desk_client.get(url("phone"))
    assert "Page 1 of 2" in first.content.decode()
    assert len(first.context["page"].object_list) == 25
    assert "caller-29" in first.content.decode() and "caller-04" not in first.content.decode()
    with django_assert_num_queries(7):
        second = desk_client.get(url("phone") + "?page=2")
    assert "caller-04" in second.content.decode() and "caller-29" not in second.content.decode()
    # A page number past the end or not a number shows a real page instead of failing.
    with django_assert_num_queries(7):
        assert desk_client.get(url("phone") + "?page=99").context["page"].number == 2
    with django_assert_num_queries(7):
        assert desk_client.get(url("phone") + "?page=x").context["page"].number == 1


# --- The monthly report (REC-ROT-*, REC-READY-*) --------------------------------------------------------------


def march_of_known_events(site, people, supervisor, project_manager, sales_manager):
    """Every kind of reception, forfeit, slot and violation, at known instants (see the expected table)."""
    ann, bob, cat, dan, eve = people

    def walk_in(hour, minute):
        return services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, hour, minute))

    def end(result, hour, minute):
        services.reception_end(reception=result.reception, actor=supervisor, now=at(2, hour, minute))

    open_desk(site, people, supervisor, at(2, 9), ready=[ann, bob, dan, eve])  # cat is not ready all day
    w1, w2, w3 = walk_in(10, 0), walk_in(10, 1), walk_in(10, 2)  # ann, bob; cat forfeits (REC-READY-1), dan
    for r in (w1, w2, w3):
        end(r, 10, 30)
    absence = services.absence_start(
        site=site, salesperson=eve, reason=Absence.Reason.EXTRA_WORK, detail="bank", actor=supervisor, now=at(2, 10, 40)
    )
    services.absence_decide(absence=absence, approve=True, actor=project_manager, now=at(2, 10, 41))
    end(walk_in(10, 45), 10, 50)  # eve passed while on approved extra work: slot kept (REC-ROT-5); ann takes it
    services.absence_end(site=site, salesperson=eve, actor=supervisor, now=at(2, 11))
    end(walk_in(11, 5), 11, 30)  # eve on her priority slot
    designated = services.designated_arrive(
        site=site, actor=supervisor, request_key=key(), now=at(2, 11, 40), salesperson=dan
    )
    end(designated, 11, 50)
    register(site, bob, "Mr Li", "13900139000", at(20, 10, month=2), project_manager)
    register(site, eve, "Ms Wang", "13700137000", at(21, 10, month=2), project_manager)
    returning = services.returning_arrive(
        site=site, actor=supervisor, request_key=key(), now=at(2, 12), phone="13900139000"
    )
    end(returning, 12, 20)  # bob's own client (REC-RET-1)
    services.absence_start(
        site=site, salesperson=eve, reason=Absence.Reason.UNEXCUSED, detail="", actor=supervisor, now=at(2, 12, 30)
    )
    duty = services.returning_arrive(
        site=site, actor=supervisor, request_key=key(), now=at(2, 12, 31), phone="13700137000"
    )
    end(duty, 12, 50)  # ann, last in the rota, gives the duty reception and earns a slot (REC-ROT-8)
    services.absence_end(site=site, salesperson=eve, actor=supervisor, now=at(2, 12, 55))
    end(walk_in(13, 0), 13, 20)  # ann on the duty slot
    w7 = walk_in(13, 30)  # bob by the rota; the client asks for another salesperson
    replacement = services.change_request_decide(
        reception=w7.reception,
        decision=ChangeRequest.Decision.REASSIGN,
        note="rude",
        grant_priority=True,
        actor=sales_manager,
        now=at(2, 13, 35),
        request_key=key(),
    )  # bob: a bye and a slot (REC-NEW-4c); cat forfeits again; dan takes the client
    end(replacement, 14, 0)
    away = services.absence_start(
        site=site, salesperson=bob, reason=Absence.Reason.EXTRA_WORK, detail="", actor=supervisor, now=at(2, 14, 10)
    )
    w10, w11, w12 = walk_in(14, 15), walk_in(14, 16), walk_in(14, 17)  # eve, ann; bob (pending), cat passed; dan
    services.absence_decide(absence=away, approve=False, actor=project_manager, now=at(2, 14, 30))  # bob forfeits
    for r in (w10, w11, w12):
        end(r, 14, 20)
    services.absence_end(site=site, salesperson=bob, actor=supervisor, now=at(2, 14, 40))
    for who, when in ((bob, at(2, 15)), (bob, at(28, 23, 30, month=2)), (cat, at(2, 15, 10))):
        services.violation_record(
            site=site,
            salesperson=who,
            clause=Violation.Clause.MOCKING,
            description="x",
            penalty="",
            penalty_amount=None,
            occurred_at=when,
            actor=supervisor,
            now=at(2, 15, 30),
        )
    # The month's edges in the site's zone: 31 March 23:50 counts, 1 April 00:10 does not.
    open_desk(site, [cat], supervisor, at(31, 23, 45))
    last = services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(31, 23, 50))
    services.reception_end(reception=last.reception, actor=supervisor, now=at(31, 23, 55))
    open_desk(site, [cat], supervisor, at(1, 0, 5, month=4))
    services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(1, 0, 10, month=4))


# The report's columns, in order.
NUMERIC = (
    "receptions",
    "rota_turns",
    "priority_turns",
    "returning",
    "duty",
    "designated",
    "byes",
    "forfeits",
    "slots_granted",
    "violations",
)

# Worked out by hand from march_of_known_events, one column each in NUMERIC's order.
EXPECTED_MARCH = {
    "Ann": [5, 3, 1, 0, 1, 0, 0, 0, 1, 0],
    "Bob": [2, 2, 0, 1, 0, 0, 1, 1, 1, 1],
    "Cat": [1, 1, 0, 0, 0, 0, 0, 3, 0, 1],
    "Dan": [4, 3, 0, 0, 0, 1, 0, 0, 0, 0],
    "Eve": [2, 1, 1, 0, 0, 0, 0, 0, 1, 0],
}
EXPECTED_TOTAL = [14, 10, 2, 1, 1, 1, 1, 4, 3, 2]


@pytest.fixture
def march(site, salespeople, supervisor, project_manager, sales_manager):
    march_of_known_events(site, salespeople, supervisor, project_manager, sales_manager)


def table_rows(html: str) -> list[list[str]]:
    """The cells of the report table, row by row (header, body, totals)."""

    class Rows(HTMLParser):
        def __init__(self):
            super().__init__()
            self.rows: list[list[str]] = []
            self.inside = False
            self.cell: list[str] | None = None

        def handle_starttag(self, tag, attrs):
            if tag == "table" and dict(attrs).get("data-testid") == "report":
                self.inside = True
            elif self.inside and tag == "tr":
                self.rows.append([])
            elif self.inside and tag in ("td", "th"):
                self.cell = []

        def handle_endtag(self, tag):
            if tag == "table":
                self.inside = False
            elif self.inside and tag in ("td", "th") and self.cell is not None:
                self.rows[-1].append(" ".join("".join(self.cell).split()))
                self.cell = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell.append(data)

    parser = Rows()
    parser.feed(html)
    return parser.rows


def test_the_monthly_report_counts_each_salespersons_month(march, client, project_manager, django_assert_num_queries):
    client.force_login(project_manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with time_machine.travel(at(5, 9, month=4), tick=False), django_assert_num_queries(6):
        response = client.get(url("report"), {"month": "2026-03"})
    assert response.status_code == 200
    report = response.context["report"]
    assert {row.name: [getattr(row, f) for f in NUMERIC] for row in report.rows} == EXPECTED_MARCH
    assert [getattr(report.totals, f) for f in NUMERIC] == EXPECTED_TOTAL
    rows = table_rows(response.content.decode())
    assert rows[0][:2] == ["Salesperson", "Receptions"]
    assert rows[1:] == [
        [name, *map(str, numbers)] for name, numbers in [*EXPECTED_MARCH.items(), ("Total", EXPECTED_TOTAL)]
    ]


def test_the_xlsx_holds_the_same_numbers(march, client, supervisor, django_assert_num_queries):
    client.force_login(supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with django_assert_num_queries(5):
        response = client.get(url("report_xlsx"), {"month": "2026-03"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="reception-riverside-2026-03.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.content)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "Riverside — 2026-03"
    assert values[1][:2] == ["Salesperson", "Receptions"] and len(values[1]) == 11
    assert values[2:] == [[name, *numbers] for name, numbers in [*EXPECTED_MARCH.items(), ("Total", EXPECTED_TOTAL)]]


def test_april_holds_only_the_reception_after_midnight(march, client, supervisor, django_assert_num_queries):
    client.force_login(supervisor)
    with django_assert_num_queries(6):
        report = client.get(url("report"), {"month": "2026-04"}).context["report"]
    assert [(row.name, row.receptions, row.rota_turns) for row in report.rows] == [("Cat", 1, 1)]


@pytest.mark.parametrize("month", ["2026-13", "March", "2026-3", "0000-01", "9999-12", ""])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_malformed_month_shows_a_translated_error_and_falls_back_to_this_month(
    month, language, site, client, supervisor, django_assert_num_queries
):
    client.force_login(supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with time_machine.travel(at(15, 12, month=5), tick=False):
        with django_assert_num_queries(6):
            page = client.get(url("report"), {"month": month})
        with django_assert_num_queries(5):
            sheet = client.get(url("report_xlsx"), {"month": month})
    assert page.status_code == sheet.status_code == 200
    with translation.override(language):
        expected = str(page.context["form"].fields["month"].error_messages["invalid"])
        required = translation.gettext("This field is required.")
    assert page.context["form"].errors["month"] == [required if month == "" else expected]
    assert page.context["month_label"] == "2026-05"
    assert (page.context["report"].year, page.context["report"].month) == (2026, 5)
    assert load_workbook(BytesIO(sheet.content)).active.title == "2026-05"
    if language == "zh-hans":
        assert expected != "Enter a month as YYYY-MM."  # the Chinese catalog has it
    assert (required if month == "" else expected) in page.content.decode()
