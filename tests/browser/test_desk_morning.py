"""A morning at the front desk, driven through two real browser terminals that must always agree.

A supervisor's terminal and a salesperson's terminal (Eve, off the floor today, keeps the desk) work the
same board; the project manager approves extra work on the absences page. After every click, both boards must
show the same rota, next-up and receptions: the terminal that acted through its htmx response, the other
only through its 1.5 s poll (never a reload). An action answers with its own form and makes the board refresh.
"""

import contextlib
import gettext
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reception.models import Reception

from ..conftest import open_desk
from .conftest import ARTIFACTS, POLL_TIMEOUT_MS, Terminal, desk_version

# The live server reads what the tests commit; serialized_rollback gives back the role groups of the data
# migration after each test's flush, as the other transactional tests of the suite do.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROTA = "New walk-in by the rota"
PRIORITY = "New walk-in on a priority slot"
DESIGNATED = "Designated by the client"
IN_RECEPTION = "In reception"
ENDED = "Ended"
EVERYONE_BUSY = "the client waits: everyone is busy"
ZH_CATALOG = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo"


STATUS_TEXT = {
    "available": "Available",
    "away": "Away (no valid reason)",
    "away_pending": "Away on extra work, awaiting approval",
    "away_excused": "Away on approved extra work",
    "off_duty": "Off duty",
}


class Morning:
    """What both boards should show; each step updates it, then `check` holds both terminals to it."""

    def __init__(self, site, terminals: list[Terminal], statuses: dict[str, str]):
        self.site = site
        self.terminals = terminals
        self.statuses = dict(statuses)  # name -> what the Status column says, in rota order
        self.slot_holder = ""
        self.receptions: list[list[str]] = []  # oldest first: label, kind, salesperson, status

    def set(self, name: str, availability: str) -> None:
        self.statuses[name] = STATUS_TEXT[availability]

    def received(self, label: str, kind: str, name: str) -> None:
        self.receptions.append([label, kind, name, IN_RECEPTION])
        self.statuses[name] = f"With a client: {label}"

    def ended(self, name: str) -> None:
        for reception in self.receptions:
            if reception[2] == name and reception[3] == IN_RECEPTION:
                reception[3] = ENDED
        self.set(name, "available")

    def check(self, next_up: str, *sentences: str) -> None:
        version = desk_version(self.site)
        boards = [terminal.board_at(version) for terminal in self.terminals]
        for terminal, board in zip(self.terminals, boards, strict=True):
            where = f"on {terminal.who}'s terminal"
            assert board.next_up == next_up, where
            assert board.names == list(self.statuses), where
            assert board.statuses == list(self.statuses.values()), where
            assert board.next_up_rows == ([next_up] if next_up in self.statuses else []), where
            assert board.slot_rows == ([self.slot_holder] if self.slot_holder else []), where
            if self.receptions:
                expected = [
                    f"· {kind} · {name} · {status} · {label}" for label, kind, name, status in reversed(self.receptions)
                ]
                assert [re.sub(r"^\d\d:\d\d ", "", text) for text in board.receptions] == expected, where
            else:
                assert board.receptions == ["No receptions yet today."], where
            for sentence in sentences:
                # "<what happened> — <clause>": the decision is explained, and cites the clause, in the event list.
                what, clause = sentence.rsplit(" — ", 1)
                shown = any(what in event and event.endswith(f" — {clause}") for event in board.events)
                assert shown, f"{sentence!r} not among the decisions {where}: {board.events}"
        # Same desk version, and the very same board, cell for cell, on both terminals.
        assert boards[0] == boards[1]


def test_two_terminals_run_a_morning_and_agree(site, supervisor, project_manager, salespeople, terminals):
    ann, bob, cat, dan, _eve = salespeople
    open_desk(site, [ann, bob, cat, dan], supervisor, timezone.now())
    desk = terminals(site, "supervisor")
    front = terminals(site, "eve")
    morning = Morning(
        site,
        [desk, front],
        {"Ann": "Available", "Bob": "Available", "Cat": "Available", "Dan": "Available", "Eve": "Off duty"},
    )
    morning.check("Ann")

    # 1st walk-in: strictly the rota order (REC-ROT-1).
    desk.client_arrived("Walk-in 1")
    morning.received("Walk-in 1", ROTA, "Ann")
    morning.check("Bob", "Ann takes the walk-in: next in the rota — REC-ROT-1")

    # Cat is sent on extra work by a superior; the project manager verifies and approves it (REC-ROT-5). Only Cat
    # or the supervisor records her presence (REC-ROT-4), so the supervisor's terminal does.
    desk.mark_away(cat, "extra_work", "Show flat for the PM")
    morning.set("Cat", "away_pending")
    morning.check("Bob", "Cat is away on extra work (Show flat for the PM), pending approval — REC-ROT-5")
    pm = terminals(site, "pm", next_path=f"/desk/{site.code}/absences/")
    pm.page.get_by_role("row", name=re.compile("Cat")).get_by_role("button", name="Approve").click()
    expect(pm.page.locator("#page-messages")).to_contain_text("The decision was recorded.")
    morning.set("Cat", "away_excused")
    morning.check("Bob", "The project manager approved Cat's extra work: the priority slot holds — REC-ROT-5")

    # Bob leaves the post with no valid reason.
    desk.mark_away(bob, "unexcused")
    morning.set("Bob", "away")
    morning.check("Dan", "Bob left the post — REC-ROT-4")

    # 2nd walk-in: Bob forfeits (REC-ROT-4), Cat keeps a priority slot (REC-ROT-5), Dan takes it.
    front.client_arrived("Walk-in 2")
    morning.received("Walk-in 2", ROTA, "Dan")
    morning.slot_holder = "Cat"
    morning.check(
        EVERYONE_BUSY,
        "Bob's turn passed to Dan: not at post without a valid reason — REC-ROT-4",
        "Cat's turn passed to Dan while on approved extra work: a priority slot is kept — REC-ROT-5",
        "Dan takes the walk-in: next in the rota — REC-ROT-1",
    )

    front.reception_ended("Ann")
    morning.ended("Ann")
    morning.check("Ann", "Ann saw the client out — REC-NEW-5")

    # Bob is back, but his lost turn is not made up: the order goes on after Dan.
    desk.back_at_post("Bob")
    morning.set("Bob", "available")
    morning.check("Ann", "Bob is back at post — REC-ROT-4")

    # 3rd walk-in.
    front.client_arrived("Walk-in 3")
    morning.received("Walk-in 3", ROTA, "Ann")
    morning.check("Bob")

    # Cat is back with her priority slot: she takes the next walk-in ahead of the order.
    desk.back_at_post("Cat")
    morning.set("Cat", "available")
    morning.check("Cat", "Cat is back at post — REC-ROT-4")

    # 4th walk-in: the priority slot (REC-ROT-5); the cursor stays with Ann, so Bob is still next.
    front.client_arrived("Walk-in 4")
    morning.received("Walk-in 4", PRIORITY, "Cat")
    morning.slot_holder = ""
    morning.check("Bob", "Cat takes the walk-in on a priority slot, ahead of the order — REC-ROT-5")

    # A client asks for Bob before being received (REC-DES-1): not his rota turn.
    desk.designated(bob, "Mr Wang asks for Bob")
    morning.received("Mr Wang asks for Bob", DESIGNATED, "Bob")
    morning.check(
        EVERYONE_BUSY, "Bob receives a client who asked for them (recorded by Supervisor): not a rota turn — REC-DES-1"
    )

    front.reception_ended("Bob")
    morning.ended("Bob")
    morning.check("Bob", "Bob saw the client out — REC-NEW-5")

    # 5th walk-in: Bob's turn was not consumed by the designated client.
    desk.client_arrived("Walk-in 5")
    morning.received("Walk-in 5", ROTA, "Bob")
    morning.check(EVERYONE_BUSY)

    desk.reception_ended("Dan")
    morning.ended("Dan")
    morning.check("Dan", "Dan saw the client out — REC-NEW-5")
    front.reception_ended("Cat")
    morning.ended("Cat")
    morning.check("Cat", "Cat saw the client out — REC-NEW-5")

    # 6th walk-in: Cat's normal place was unaffected by her priority slot (REC-ROT-5).
    front.client_arrived("Walk-in 6")
    morning.received("Walk-in 6", ROTA, "Cat")
    morning.check("Dan", "Cat takes the walk-in: next in the rota — REC-ROT-1")

    for terminal in (desk, front):
        versions = terminal.board_versions()
        assert versions == sorted(versions), f"{terminal.who}'s board went back to an older state: {versions}"

    taken = [
        (r.client_label, r.kind, r.salesperson.username, r.consumed_turn)
        for r in Reception.objects.filter(site=site).select_related("salesperson").order_by("arrived_at", "pk")
    ]
    assert taken == [
        ("Walk-in 1", Reception.Kind.ROTA, "ann", True),
        ("Walk-in 2", Reception.Kind.ROTA, "dan", True),
        ("Walk-in 3", Reception.Kind.ROTA, "ann", True),
        ("Walk-in 4", Reception.Kind.PRIORITY, "cat", False),
        ("Mr Wang asks for Bob", Reception.Kind.DESIGNATED, "bob", False),
        ("Walk-in 5", Reception.Kind.ROTA, "bob", True),
        ("Walk-in 6", Reception.Kind.ROTA, "cat", True),
    ]


def test_board_in_simplified_chinese(site, supervisor, salespeople, terminals):
    chinese_names = ["王芳", "李娜", "张伟", "刘洋", "陈静"]
    for person, name in zip(salespeople, chinese_names, strict=True):
        person.first_name = name
        person.save(update_fields=["first_name"])
    open_desk(site, salespeople[:4], supervisor, timezone.now())
    desk = terminals(site, "supervisor")
    desk.client_arrived("王先生")
    desk.mark_away(salespeople[1], "unexcused")
    page = desk.page
    expect(page.get_by_test_id("receptions-today").locator("li")).to_have_count(1)
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # The navbar's language select submits itself on change.
    page.locator("#language-form select[name=language]").select_option(label="简体中文")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#language-form select[name=language]")).to_have_value("zh-hans")
    # The polled fragment comes back in Chinese too (the choice follows the user, not only the page).
    with page.expect_response(lambda r: f"/desk/{site.code}/state/" in r.url, timeout=POLL_TIMEOUT_MS):
        pass
    expect(page.get_by_test_id("next-up")).to_have_text("张伟")
    expect(page.get_by_test_id("receptions-today")).to_contain_text("王芳")
    if ZH_CATALOG.exists():
        with ZH_CATALOG.open("rb") as mo:
            catalog = gettext.GNUTranslations(mo)
        for msgid in ("Front desk", "Today's receptions", "Decisions and why", "Client arrived"):
            assert catalog.gettext(msgid) != msgid, f"{ZH_CATALOG.name} has no Chinese for {msgid!r}"
        expect(page.locator("h1")).to_contain_text(catalog.gettext("Front desk"))
        expect(page.get_by_role("heading", name=catalog.gettext("Today's receptions"))).to_be_visible()
        expect(page.get_by_role("heading", name=catalog.gettext("Decisions and why"))).to_be_visible()
        expect(page.get_by_test_id("client-arrived")).to_have_text(catalog.gettext("Client arrived"))
        expect(page.get_by_role("heading", name="Today's receptions")).to_have_count(0)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "board-zh.png", full_page=True)


def test_double_click_on_client_arrived_makes_one_reception(site, supervisor, salespeople, terminals):
    open_desk(site, salespeople[:3], supervisor, timezone.now())
    desk = terminals(site, "supervisor")
    page = desk.page
    form = page.locator("#walk-in-form")
    request_key = form.locator("input[name='walkin-request_key']").input_value()
    csrf_token = form.locator("input[name='csrfmiddlewaretoken']").input_value()
    posts = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" else None)

    page.get_by_test_id("client-arrived").dblclick()
    receptions = page.get_by_test_id("receptions-today").locator("li .reception-summary")
    expect(receptions).to_have_text([re.compile(rf" · {ROTA} · Ann · {IN_RECEPTION}$")])
    assert 1 <= len(posts) <= 2
    for post in posts:  # every POST the double click sent has been answered
        assert post.response() is not None

    # A retry of the same rendered form (same request key) is answered with the same reception.
    status = page.evaluate(
        """async ([url, key, csrf]) => {
            const body = new URLSearchParams({"csrfmiddlewaretoken": csrf, "walkin-request_key": key});
            const response = await fetch(url, {method: "POST", body, headers: {"HX-Request": "true"}});
            return response.status;
        }""",
        [f"/desk/{site.code}/arrive/", request_key, csrf_token],
    )
    assert status == 200
    assert Reception.objects.filter(site=site).count() == 1
    with page.expect_response(lambda r: f"/desk/{site.code}/state/" in r.url, timeout=POLL_TIMEOUT_MS):
        pass
    expect(receptions).to_have_count(1)
    expect(page.get_by_test_id("next-up")).to_have_text("Bob")
    expect(page.get_by_test_id("events").locator("li", has_text="takes the walk-in")).to_have_count(1)


def test_a_late_poll_never_puts_back_an_older_board(site, supervisor, salespeople, terminals):
    open_desk(site, salespeople[:3], supervisor, timezone.now())
    desk = terminals(site, "supervisor")
    page = desk.page
    held = []

    def hold_first_poll(route):
        # The first poll reads the whole desk now (its token dropped, so the server renders the board rather than
        # answering 204) and its answer is held back, as a slow network or a busy server would.
        if held:
            route.continue_()
            return
        held.append((route, route.fetch(url=route.request.url.split("?")[0])))

    page.route(f"**/desk/{site.code}/state/**", hold_first_poll)
    # A poll has read the desk, and its answer is still on the way when the clerk presses "Client arrived".
    for _ in range(40):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "no poll was sent"
    old_version = int(page.locator("#board-body").get_attribute("data-version"))
    desk.client_arrived("Walk-in 1")
    version = desk_version(site)
    assert version > old_version
    board_body = page.locator("#board-body")
    expect(board_body).to_have_attribute("data-version", str(version))
    route, old_answer = held[0]
    # If the refresh the action triggered already replaced (aborted) the held poll, there is nothing to deliver.
    with contextlib.suppress(Exception):
        route.fulfill(response=old_answer)
    with page.expect_response(lambda r: f"/desk/{site.code}/state/" in r.url, timeout=POLL_TIMEOUT_MS):
        pass
    versions = desk.board_versions()
    assert versions == sorted(versions), f"the board went back to an older state: {versions}"
    expect(board_body).to_have_attribute("data-version", str(version))
    expect(page.get_by_test_id("receptions-today").locator("li")).to_have_count(1)
