"""Secure by default: with DJANGO_DEBUG off, a secret key and the allowed hosts are all production needs for Django's
deploy checks to pass; a short or well-known key is refused; docker-compose starts with no key of its own.

The settings module is run afresh for each environment (runpy), so these tests change nothing in the running
Django; the deploy check itself runs as production would, in a subprocess.
"""

import os
import re
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = ROOT / "salesoffice" / "settings.py"
GOOD_KEY = secrets.token_urlsafe(50)
PRODUCTION = {"DJANGO_SECRET_KEY": GOOD_KEY, "DJANGO_ALLOWED_HOSTS": "crm.example.com"}


def clean_environment(**values: str) -> dict[str, str]:
    """This process's environment without any setting of the app's own (DJANGO_*, AXES_*), plus `values`."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AXES_"))}
    return {**kept, **values}


def settings_with(monkeypatch, **values: str) -> dict:
    for name in list(os.environ):
        if name.startswith(("DJANGO_", "AXES_")):
            monkeypatch.delenv(name)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def deploy_check(**values: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean_environment(**values),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_with_only_a_key_and_hosts_passes_the_deploy_check():
    result = deploy_check(**PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "key",
    [
        "change-me-in-production",  # docker-compose's old default
        "insecure-development-key-only-for-debug",  # the debug key
        "django-insecure-" + secrets.token_urlsafe(50),  # startproject's
        secrets.token_urlsafe(30),  # 40 characters
        "ab" * 40,  # long, but two characters
    ],
)
def test_a_short_or_well_known_key_is_refused_by_the_deploy_check(key):
    result = deploy_check(DJANGO_SECRET_KEY=key, DJANGO_ALLOWED_HOSTS="crm.example.com")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is refused" in result.stderr


@pytest.mark.parametrize("debug", ["0", "1"])
def test_a_weak_key_is_refused_in_every_mode_with_how_to_make_one(monkeypatch, debug):
    with pytest.raises(ImproperlyConfigured, match=r"DJANGO_SECRET_KEY is refused: .*secrets\.token_urlsafe"):
        settings_with(monkeypatch, DJANGO_DEBUG=debug, DJANGO_SECRET_KEY="change-me-in-production")


def test_no_key_without_debug_is_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY must be set"):
        settings_with(monkeypatch, DJANGO_ALLOWED_HOSTS="crm.example.com")


def test_production_defaults_are_https_throughout(monkeypatch):
    s = settings_with(monkeypatch, **PRODUCTION)
    assert s["DEBUG"] is False and s["SECRET_KEY"] == GOOD_KEY
    assert s["SECURE_SSL_REDIRECT"] is True
    assert s["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert s["SECURE_HSTS_SECONDS"] == 31_536_000
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True and s["SECURE_HSTS_PRELOAD"] is True
    assert s["SESSION_COOKIE_SECURE"] is True and s["CSRF_COOKIE_SECURE"] is True
    assert s["SESSION_COOKIE_AGE"] == 14 * 24 * 3600 and s["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is False
    assert s["TRUSTED_PROXY_COUNT"] == 0


def test_development_stays_plain_http(monkeypatch):
    s = settings_with(monkeypatch, DJANGO_DEBUG="1")
    assert s["SECRET_KEY"] == "insecure-development-key-only-for-debug"
    assert s["SECURE_SSL_REDIRECT"] is False and s["SECURE_PROXY_SSL_HEADER"] is None
    assert s["SECURE_HSTS_SECONDS"] == 0
    assert s["SESSION_COOKIE_SECURE"] is False and s["CSRF_COOKIE_SECURE"] is False


def test_plain_http_in_production_is_one_switch_and_each_protection_its_own(monkeypatch):
    s = settings_with(monkeypatch, **PRODUCTION, DJANGO_HTTPS="0")
    assert not s["SECURE_SSL_REDIRECT"] and s["SECURE_PROXY_SSL_HEADER"] is None
    assert s["SECURE_HSTS_SECONDS"] == 0 and not s["SESSION_COOKIE_SECURE"]
    s = settings_with(
        monkeypatch,
        **PRODUCTION,
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_HSTS_SECONDS="3600",
        DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS="0",
        DJANGO_SECURE_HSTS_PRELOAD="0",
        DJANGO_SECURE_PROXY_SSL_HEADER="0",
        DJANGO_SECURE_COOKIES="1",
        DJANGO_SESSION_COOKIE_AGE="28800",
        DJANGO_SESSION_EXPIRE_AT_BROWSER_CLOSE="1",
        DJANGO_TRUSTED_PROXY_COUNT="2",
        AXES_FAILURE_LIMIT="7",
        AXES_COOLOFF_MINUTES="30",
    )
    assert not s["SECURE_SSL_REDIRECT"] and s["SECURE_PROXY_SSL_HEADER"] is None
    assert s["SECURE_HSTS_SECONDS"] == 3600
    assert not s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and not s["SECURE_HSTS_PRELOAD"]
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"]
    assert s["SESSION_COOKIE_AGE"] == 28800 and s["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is True
    assert s["TRUSTED_PROXY_COUNT"] == 2
    assert s["AXES_FAILURE_LIMIT"] == 7 and s["AXES_COOLOFF_TIME"].total_seconds() == 30 * 60


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DJANGO_SECURE_HSTS_SECONDS", "a year", "must be a whole number"),
        ("DJANGO_TRUSTED_PROXY_COUNT", "-1", "must be at least 0"),
        ("DJANGO_SESSION_COOKIE_AGE", "10", "must be at least 60"),
        ("AXES_FAILURE_LIMIT", "0", "must be at least 1"),
        ("DJANGO_SECURE_SSL_REDIRECT", "maybe", "must be a boolean"),
    ],
)
def test_a_malformed_setting_stops_the_start_with_its_name(monkeypatch, name, value, message):
    with pytest.raises(ImproperlyConfigured, match=f"{name} {message}"):
        settings_with(monkeypatch, **PRODUCTION, **{name: value})


def test_docker_compose_has_no_default_key_and_says_how_to_set_one():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name in ("web", "worker", "beat"):
        environment = compose["services"][name]["environment"]
        key = environment["DJANGO_SECRET_KEY"]
        # ${VAR:?message}: compose refuses to start while the variable is unset or empty.
        assert re.fullmatch(r"\$\{DJANGO_SECRET_KEY:\?[^}]*set DJANGO_SECRET_KEY[^}]*\}", key), key
        # Its http on :8000 has no TLS proxy in front: the HTTPS protections are off unless asked for.
        assert environment["DJANGO_HTTPS"] == "${DJANGO_HTTPS:-0}"
