"""Sessions are kept in the database only (docs/operations.md): the daily beat job removes the expired ones and
nothing else, and is in the beat schedule."""

import datetime as dt

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from salesoffice.celery import app
from salesoffice.tasks import clear_expired_sessions

pytestmark = pytest.mark.django_db


def test_expired_sessions_go_and_live_ones_stay():
    live, expired = SessionStore(), SessionStore()
    live.create()
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))

    clear_expired_sessions()
    clear_expired_sessions()

    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]


def test_the_cleanup_runs_daily_from_beat():
    entry = app.conf.beat_schedule["clear-expired-sessions"]
    assert entry["task"] == clear_expired_sessions.name
