"""Each app wires itself in its AppConfig.ready() by explicit import: its roles' rights, beat jobs, menu and demo.
Nothing is discovered by name, so a missing module stops the start-up instead of being skipped."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

import attribution.schedule
import commission.schedule
import reception.schedule
import service_desk.schedule
import vip.schedule
from attribution import demo as attribution_demo
from attribution.selectors import signed_deals
from commission import demo as commission_demo
from commission import navigation as commission_navigation
from commission import roles as commission_roles
from commission.models import Deal
from salesoffice import context_processors
from salesoffice.celery import app, register_beat_schedule
from salesoffice.demo import demo_seeders
from salesoffice.roles import ROLE_PERMISSIONS, Role, register_role_permissions
from service_desk import demo as service_desk_demo
from service_desk import navigation as service_desk_navigation
from service_desk import roles as service_desk_roles
from vip import demo as vip_demo
from vip import navigation as vip_navigation
from vip import roles as vip_roles

APP_SCHEDULES = [reception.schedule, attribution.schedule, commission.schedule, vip.schedule, service_desk.schedule]
CORE_JOBS = {"publish-queued-tasks", "clear-expired-sessions"}
ROOT = Path(__file__).resolve().parent.parent


def expected_jobs() -> dict[str, str]:
    jobs = {name: entry["task"] for module in APP_SCHEDULES for name, entry in module.BEAT_SCHEDULE.items()}
    return {**jobs, **{name: app.conf.beat_schedule[name]["task"] for name in CORE_JOBS}}


def test_the_beat_schedule_holds_every_apps_jobs_each_a_registered_task():
    app.loader.import_default_modules()
    assert {name: entry["task"] for name, entry in app.conf.beat_schedule.items()} == expected_jobs()
    assert all(task in app.tasks for task in expected_jobs().values())


def test_celery_beat_sees_every_job_without_anyone_setting_django_up_first():
    # `celery beat` imports salesoffice.celery and initialises its loader; Celery's Django fixup runs django.setup()
    # there, which runs every AppConfig.ready(), before the schedule is read.
    script = (
        "import json\n"
        "from salesoffice.celery import app\n"
        "app.loader.init_worker()\n"
        "print(json.dumps({name: entry['task'] for name, entry in app.conf.beat_schedule.items()}))\n"
    )
    env = {**os.environ, "CELERY_SKIP_CHECKS": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == expected_jobs()


def test_each_later_apps_role_table_is_in_the_one_table_the_groups_are_synced_from():
    for table in (commission_roles.ROLE_PERMISSIONS, vip_roles.ROLE_PERMISSIONS, service_desk_roles.ROLE_PERMISSIONS):
        for role, perms in table.items():
            assert set(perms) <= set(ROLE_PERMISSIONS[role]), role
    assert all(len(set(perms)) == len(perms) for perms in ROLE_PERMISSIONS.values())


def test_menus_and_demo_seeders_are_registered_in_the_order_the_apps_are_installed():
    assert context_processors._nav_providers == [
        commission_navigation.nav_groups,
        vip_navigation.nav_groups,
        service_desk_navigation.nav_groups,
    ]
    assert demo_seeders() == [attribution_demo.seed, commission_demo.seed, vip_demo.seed, service_desk_demo.seed]


def test_registering_again_is_harmless_but_a_conflict_fails_loudly():
    before = dict(ROLE_PERMISSIONS)
    register_role_permissions("commission", commission_roles.ROLE_PERMISSIONS)
    assert before == ROLE_PERMISSIONS
    with pytest.raises(ImproperlyConfigured, match="two different role tables"):
        register_role_permissions("commission", {Role.SALESPERSON: ("commission.close_month",)})
    with pytest.raises(ImproperlyConfigured, match="unknown roles"):
        register_role_permissions("newcomer", {"janitor": ("commission.close_month",)})
    assert before == ROLE_PERMISSIONS

    register_beat_schedule(vip.schedule.BEAT_SCHEDULE)
    with pytest.raises(ImproperlyConfigured, match="scheduled twice"):
        register_beat_schedule({"vip-send-sms-outbox": {"task": "vip.tasks.something_else", "schedule": 5.0}})
    assert app.conf.beat_schedule["vip-send-sms-outbox"] == vip.schedule.BEAT_SCHEDULE["vip-send-sms-outbox"]


def test_the_register_reads_commissions_deals_as_commission_hands_them_in():
    # attribution lies below commission, so it names no commission module; commission registers its deals at start-up.
    assert signed_deals().model is Deal
