"""Real headless Chromium against pytest-django's live server: terminals that log in through the login form.

Playwright's sync API runs an asyncio loop in the test thread, so Django would refuse the tests' own
(synchronous) ORM calls as "async unsafe"; the guard is lifted, as is usual for Playwright with pytest-django.
"""

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import Browser, BrowserContext, Page, Response, expect, sync_playwright

from reception.models import RotaState
from salesoffice.celery import app as celery_app
from salesoffice.models import Site

from ..conftest import PASSWORD

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# The board polls every 1.5 s (hx-trigger="every 1500ms"); a terminal that did not act must show the change
# within one poll plus the round trip.
POLL_TIMEOUT_MS = 2_500
expect.set_options(timeout=5_000)

# Each page keeps, for every board swapped in, the request that brought it and the desk version it shows.
RECORD_BOARD_VERSIONS = """
document.addEventListener("htmx:afterSettle", (event) => {
  const board = document.getElementById("board-body");
  if (event.target.id !== "desk-state" || !board) return;
  (window.boardSwaps ||= []).push([event.detail.requestConfig.verb, Number(board.dataset.version)]);
});
"""

# The board as one terminal shows it, read in a single JavaScript task so it cannot mix two polls.
READ_BOARD = """
() => {
  const board = document.getElementById("board-body");
  const text = (element) => (element ? element.innerText.replace(/\\s+/g, " ").trim() : "");
  const all = (selector) => [...board.querySelectorAll(selector)];
  const summary = (li) => text(li.querySelector(".reception-summary") || li);
  const rows = all("[data-testid=rota-table] tbody tr");
  return {
    version: Number(board.dataset.version),
    next_up: text(board.querySelector("[data-testid=next-up]")),
    names: rows.map((row) => row.dataset.salesperson),
    statuses: rows.map((row) => text(row.cells[2])),
    next_up_rows: rows.filter((row) => row.classList.contains("board-row-next")).map((row) => row.dataset.salesperson),
    slot_rows: rows.filter((row) => row.querySelector('[title="REC-ROT-5"]')).map((row) => row.dataset.salesperson),
    rota_table: text(board.querySelector("[data-testid=rota-table]")),
    // What happened, without the supervisor's "Void" link (a right, not a difference between two terminals' boards).
    receptions: all("[data-testid=receptions-today] li").map((li) => summary(li)),
    events: all("[data-testid=events] li").map(text),
  };
}
"""


@dataclass(frozen=True)
class Board:
    version: int
    next_up: str
    names: list[str]
    statuses: list[str]
    next_up_rows: list[str]
    slot_rows: list[str]
    rota_table: str
    receptions: list[str]
    events: list[str]


@pytest.fixture(autouse=True)
def celery_in_process() -> Iterator[None]:
    # With REDIS_URL set, a desk action's task (the extra-work reminder) would wait in the broker and be run by
    # the worker of a later test, against that test's data: run tasks in the live server's thread instead.
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def fast_password_hasher(settings) -> None:
    # Every persona is created and logs in with a password; the default PBKDF2 costs about a second each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def browser(transactional_db) -> Iterator[Browser]:
    """Chromium for one test, started after its database set-up and stopped before its flush.

    While Playwright's loop runs, Django keeps database connections per context (asgiref's Local) rather than
    per thread: the test's own ORM calls get a connection of their own, which is closed here, and the database
    set-up and teardown (serialized_rollback) must not run inside the loop, or they would not find the
    connection that holds the test database's serialized contents.
    """
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
            args=CHROMIUM_ARGS,
            headless=True,
        )
        yield chromium
        chromium.close()
        connections.close_all()


_failed_key = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Remember a failure so the terminals fixture can save screenshots of every terminal before closing them.
    report = yield
    if report.failed:
        item.stash[_failed_key] = True
    return report


class Terminal:
    """One front-desk browser: a context of its own (cookies, session), logged in as one person."""

    def __init__(self, page: Page, base_url: str, site: Site, who: str):
        self.page = page
        self.base_url = base_url
        self.site = site
        self.who = who

    @property
    def board_url(self) -> str:
        return f"{self.base_url}/desk/{self.site.code}/"

    def login(self, username: str, next_path: str = "") -> None:
        next_path = next_path or f"/desk/{self.site.code}/"
        self.page.goto(f"{self.base_url}/accounts/login/?next={next_path}")
        self.page.locator("#id_username").fill(username)
        self.page.locator("#id_password").fill(PASSWORD)
        self.page.locator("main form button[type=submit]").click()
        self.page.wait_for_url(f"{self.base_url}{next_path}")

    def open_board(self) -> None:
        if self.page.url != self.board_url:
            self.page.goto(self.board_url)
        expect(self.page.get_by_test_id("rota-table")).to_be_visible()

    # Desk actions: each clicks the real control and waits for the htmx POST to come back (the change is
    # committed by then), then checks the desk did not refuse it.
    def _post(self, click: Callable[[], None]) -> Response:
        with self.page.expect_response(lambda r: r.request.method == "POST" and "/desk/" in r.url) as info:
            click()
        response = info.value
        assert response.ok, f"{self.who}: {response.url} answered {response.status}"
        expect(self.page.locator("#desk-errors .alert")).to_have_count(0)
        return response

    def client_arrived(self, label: str) -> None:
        self.page.locator("#id_walkin-client_label").fill(label)
        self._post(lambda: self.page.get_by_test_id("client-arrived").click())

    # People are chosen by their primary key, whatever the options' labels say.
    def designated(self, person, label: str) -> None:
        form = self.page.locator("#designated-form")
        form.locator("#id_designated-salesperson").select_option(value=str(person.pk))
        form.locator("#id_designated-client_label").fill(label)
        self._post(lambda: form.locator("button[type=submit]").click())

    def mark_away(self, person, reason: str, detail: str = "") -> None:
        form = self.page.locator("#away-form")
        form.locator("#id_away-salesperson").select_option(value=str(person.pk))
        form.locator("#id_away-reason").select_option(reason)
        form.locator("#id_away-detail").fill(detail)
        self._post(lambda: form.get_by_role("button", name="Mark away").click())

    def reception_ended(self, name: str) -> None:
        button = self.page.get_by_test_id(f"end-{name}")
        expect(button).to_have_text("Reception ended")
        self._post(button.click)

    def back_at_post(self, name: str) -> None:
        button = self.page.get_by_test_id(f"back-{name}")
        expect(button).to_have_text("Back at post")
        self._post(button.click)

    def board_at(self, version: int) -> Board:
        """The board once it shows desk `version`; a terminal that did not act gets there only by polling."""
        board_body = self.page.locator("#board-body")
        for _attempt in range(3):
            expect(board_body, f"{self.who}'s board reaches version {version}").to_have_attribute(
                "data-version", str(version), timeout=POLL_TIMEOUT_MS
            )
            board = Board(**self.page.evaluate(READ_BOARD))
            if board.version == version:  # not overwritten in between by a late poll
                return board
        raise AssertionError(f"{self.who}'s board keeps leaving version {version}")

    def board_versions(self) -> list[int]:
        """The desk version of every board this page swapped in, in order."""
        return [version for _verb, version in self.page.evaluate("window.boardSwaps || []")]


@pytest.fixture
def terminals(browser: Browser, live_server, request) -> Iterator[Callable[..., Terminal]]:
    """Open a terminal: its own browser context, logged in through the login form, on the site's board."""
    contexts: list[tuple[BrowserContext, Terminal]] = []

    def open_terminal(site: Site, username: str, *, next_path: str = "", init_script: str = "") -> Terminal:
        context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        context.add_init_script(RECORD_BOARD_VERSIONS + init_script)
        terminal = Terminal(context.new_page(), live_server.url, site, username)
        contexts.append((context, terminal))
        terminal.login(username, next_path)
        if not next_path:
            terminal.open_board()
        return terminal

    yield open_terminal
    failed = request.node.stash.get(_failed_key, False)
    for index, (context, terminal) in enumerate(contexts):
        if failed:
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"\W+", "-", request.node.name)
            terminal.page.screenshot(path=ARTIFACTS / f"failed-{name}-{index}-{terminal.who}.png", full_page=True)
        context.close()


def desk_version(site: Site) -> int:
    return RotaState.objects.get(site=site).version
