"""Real servers in processes of their own, for what only another process can show: a Redis of the test's own that it
may stop or freeze (never the shared one), and the app under gunicorn with production settings (DEBUG off) on the
test database, and a small HTTP client for it."""

import http.cookiejar
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(check, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not come up in {seconds} s")


class RedisServer:
    """`redis-server` on a port of its own, without persistence: stop() loses its data, as a crashed Redis would."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        if shutil.which("redis-server") is None:
            pytest.skip("needs redis-server on the PATH (bin/test starts the shared Redis from there too)")
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for(self._answers, f"redis-server on port {self.port}", 10)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def freeze(self) -> None:
        """SIGSTOP: the port still accepts connections, nothing is answered (a hung host, a swapped-out server)."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is None:
            return
        self.thaw()  # a frozen process would not act on SIGTERM
        self.process.terminate()
        self.process.wait(10)
        self.process = None


@pytest.fixture(scope="module")
def own_redis():
    """A Redis of this module's own, on a spare port; a test may stop or freeze it (start() brings it back)."""
    server = RedisServer()
    server.start()
    yield server
    server.stop()


def shared_database_url() -> str:
    """The test database, as a DATABASE_URL for another process (the data it reads must be committed)."""
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("another process can share only a PostgreSQL test database")
    credentials = urllib.parse.quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + urllib.parse.quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def production_env(redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of a production process on the test database and `redis_url`. Tasks run in-process (the
    broker's outage is not what these tests are about); cookies go over plain HTTP (there is no TLS here)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "VIP_", "REDIS_"))}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="test-only-secret-key-for-a-production-process-0123456789",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_HTTPS="0",
        DATABASE_URL=shared_database_url(),
        REDIS_URL=redis_url,
        CELERY_TASK_ALWAYS_EAGER="1",
        VIP_TILL_TOKEN_CACHE_SECONDS="60",
        **extra,
    )
    return env


class AppServer:
    """gunicorn serving salesoffice.wsgi with two sync workers, as in production."""

    def __init__(self, redis_url: str, workers: int = 2) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
        command = [sys.executable, "-m", "gunicorn", "salesoffice.wsgi", "--bind", f"127.0.0.1:{self.port}"]
        command += ["--workers", str(workers), "--timeout", "60", "--chdir", str(BASE_DIR)]
        self.process = subprocess.Popen(
            command, env=production_env(redis_url), cwd=BASE_DIR, stdout=self.log, stderr=subprocess.STDOUT
        )
        _wait_for(self._answers, f"gunicorn on port {self.port} (log: {self.log.name})", 60)

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {Path(self.log.name).read_text()[-3000:]}")
        return Client(self.base).get("/accounts/login/").status == 200

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        os.unlink(self.log.name)


@dataclass
class Answer:
    status: int
    body: str
    seconds: float
    location: str = ""

    def json(self):
        return json.loads(self.body)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """A browser or a till: keeps its cookies, follows no redirects, times every request."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects)

    def request(self, method: str, path: str, *, data: bytes | None = None, headers: dict | None = None) -> Answer:
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=30) as response:
                status, body, location = response.status, response.read(), ""
        except urllib.error.HTTPError as error:
            status, body, location = error.code, error.read(), error.headers.get("Location", "")
        except (urllib.error.URLError, ConnectionError):
            status, body, location = 0, b"", ""
        return Answer(status, body.decode(errors="replace"), time.monotonic() - started, location)

    def get(self, path: str, **headers: str) -> Answer:
        return self.request("GET", path, headers=headers)

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.cookies if c.name == name), "")

    def log_in(self, username: str, password: str) -> list[Answer]:
        """The login page, then the form posted as a browser does; both answers."""
        page = self.get("/accounts/login/")
        form = {"username": username, "password": password, "csrfmiddlewaretoken": self.cookie("csrftoken")}
        posted = self.request(
            "POST",
            "/accounts/login/",
            data=urllib.parse.urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        return [page, posted]
