"""The demo's seeders: each app's `<app>/demo.py` has `seed(*, now, make_user) -> {username: [role, ...]}` (the users
to list in the login hint) and its AppConfig.ready() registers it here; `manage.py seed_demo` runs them in the order
the apps are installed, so the sales desk's people and clients exist before the deals made on them."""

from collections.abc import Callable

DemoSeeder = Callable[..., dict[str, list[str]]]
_seeders: list[DemoSeeder] = []


def register_demo_seeder(seed: DemoSeeder) -> None:
    if seed not in _seeders:
        _seeders.append(seed)


def demo_seeders() -> list[DemoSeeder]:
    return list(_seeders)
