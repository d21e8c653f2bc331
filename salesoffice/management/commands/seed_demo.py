"""A living demo: every app seeds its own sites, people and records (salesoffice.demo, registered by each app)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from salesoffice.cockpit_pack import demo_pack
from salesoffice.demo import demo_seeders
from salesoffice.models import Site, SiteMembership
from salesoffice.roles import Role

DEMO_PASSWORD = "demo-pass-2026"


class Command(BaseCommand):
    help = "Create demo sites, staff in every role (password printed) and a morning of front-desk events."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when any site exists already.")

    def handle(self, *args, if_empty: bool = False, **options):
        if if_empty and Site.objects.exists():
            self.stdout.write("Demo data present; nothing to do.")
            return
        now = timezone.now()
        with transaction.atomic():
            users: dict[str, list[str]] = {}
            shown: list[str] = []
            for seed in demo_seeders():
                app_users = seed(now=now, make_user=self._user)
                users.update(app_users)
                shown.extend(u for u in app_users if u not in shown)
            demo_pack(now=now)  # last month's, once every app has seeded its part of it
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in at http://127.0.0.1:8000/ with:"))
        for username in shown:
            self.stdout.write(f"  {username:<12} {DEMO_PASSWORD}   ({', '.join(users[username])})")
        self.stdout.write(f"  (every demo user's password is {DEMO_PASSWORD})")

    def _user(self, username: str, name: str, roles: list[Role], sites: list[Site], **extra):
        User = get_user_model()
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": name, **extra})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        user.groups.add(*Group.objects.filter(name__in=[r.value for r in roles]))
        for site in sites:
            SiteMembership.objects.get_or_create(site=site, user=user)
        return user
