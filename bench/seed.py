"""One database holding every app's history, seeded by the per-app benches' own generators (all with COPY or
INSERT ... SELECT), for bench/run_all.py.

The sizes of a scale are in SCALES; the scale a database holds is stored in the table `bench_scale` (not a model:
the product knows nothing of it), so a second run at the same scale reuses the data and another scale rebuilds it.
The generators run in an order that keeps their explicit primary keys apart: the register first (its clients,
entries and change-request receptions from id 1), then the desk (receptions after the register's), commission
(clients and deals after the register's), the stores and the service offices (database-assigned keys).
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import commission_bench  # noqa: E402 - the per-app benches' generators are this module's seeding
import desk_bench as desk  # noqa: E402
import register_bench  # noqa: E402
import service_desk_bench  # noqa: E402
import vip_bench  # noqa: E402

DAYS = 730
RANDOM_SEED = 20261127
# Per scale: the register's 5 sales sites (rb-1..5), the desk's sales site (bench), commission's 5 sales sites
# (cb-1..5), the stores (vb-..) and the property-service offices (svc-..). `small` is 1/100 of `full`.
SCALES: dict[str, dict[str, int]] = {
    "full": {
        "register_clients": 200_000,
        "register_entries": 1_000_000,
        "desk_receptions": 150_000,
        "deals": 50_000,
        "stores": 20,
        "vip_customers": 120_000,
        "vip_members": 100_000,
        "purchases": 2_000_000,
        "offices": 50,
        "service_requests": 300_000,
    },
    "small": {
        "register_clients": 2_000,
        "register_entries": 10_000,
        "desk_receptions": 1_500,
        "deals": 500,
        "stores": 5,
        "vip_customers": 1_200,
        "vip_members": 1_000,
        "purchases": 20_000,
        "offices": 5,
        "service_requests": 3_000,
    },
}
PERSONA_PREFIX = "allbench-"
PASSWORD = desk.TERMINAL_PASSWORD


def stored_scale() -> dict | None:
    """What the database was seeded with ({"scale": ..., "sizes": ...}), or None."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass('bench_scale') IS NOT NULL")
        if not cur.fetchone()[0]:
            return None
        cur.execute("SELECT scale, sizes FROM bench_scale")
        row = cur.fetchone()
    if row is None:
        return None
    sizes = row[1] if isinstance(row[1], dict) else json.loads(row[1])
    return {"scale": row[0], "sizes": sizes}


def _store_scale(scale: str) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS bench_scale (scale text, sizes jsonb, seeded_at timestamptz)")
        cur.execute("DELETE FROM bench_scale")
        cur.execute(
            "INSERT INTO bench_scale VALUES (%s, %s::jsonb, now())", [scale, json.dumps(SCALES[scale], sort_keys=True)]
        )


def seed_all(scale: str) -> dict[str, float]:
    """Every app's history at `scale` in the (freshly migrated, empty) database; seconds per app."""
    size = SCALES[scale]
    seconds: dict[str, float] = {}

    def timed(name: str, fn, args: argparse.Namespace) -> None:
        started = time.perf_counter()
        fn(args)
        seconds[name] = time.perf_counter() - started
        print(f"  seeded {name} in {seconds[name]:.1f} s", flush=True)

    common = {"days": DAYS, "random_seed": RANDOM_SEED, "salespeople": 30}
    timed(
        "register",
        register_bench.seed,
        argparse.Namespace(**common, clients=size["register_clients"], entries=size["register_entries"], sites=5),
    )
    timed(
        "desk",
        desk.seed_history,
        argparse.Namespace(**common, receptions=size["desk_receptions"], terminals=8),
    )
    timed("commission", commission_bench.seed, argparse.Namespace(**common, deals=size["deals"], sites=5))
    timed(
        "store",
        vip_bench.seed,
        argparse.Namespace(
            stores=size["stores"],
            customers=size["vip_customers"],
            members=size["vip_members"],
            purchases=size["purchases"],
        ),
    )
    timed(
        "service desk",
        service_desk_bench.seed,
        argparse.Namespace(offices=size["offices"], requests=size["service_requests"], days=DAYS),
    )
    ensure_personas()
    _store_scale(scale)
    return seconds


def persona_roles() -> list[str]:
    """The roles the demo seeds a persona for (seed_demo's salespeople, staff and admin), in its order."""
    from attribution.demo import STAFF
    from salesoffice.roles import Role

    return [Role.SALESPERSON.value, *(role.value for _username, _name, role in STAFF), Role.ADMIN.value]


def ensure_personas() -> dict[str, str]:
    """One user per demo role, `allbench-<role>`, a member of every seeded site; {role: username}."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from reception.models import RotaMember
    from salesoffice.models import Site, SiteMembership

    User = get_user_model()
    password = make_password(PASSWORD)
    sites = list(Site.objects.all())
    personas = {}
    for role in persona_roles():
        username = PERSONA_PREFIX + role
        admin = role == "admin"
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": f"基准 {role}", "password": password, "is_staff": admin, "is_superuser": admin},
        )
        if created:
            user.groups.add(Group.objects.get(name=role))
            SiteMembership.objects.bulk_create([SiteMembership(site=s, user=user) for s in sites])
            if role == "salesperson":  # in the desk's rota, as a salesperson on the floor is
                desk_site = Site.objects.get(code=desk.SITE_CODE)
                last = RotaMember.objects.filter(site=desk_site).order_by("-position").first()
                RotaMember.objects.create(site=desk_site, salesperson=user, position=(last.position if last else 0) + 1)
        personas[role] = username
    return personas
