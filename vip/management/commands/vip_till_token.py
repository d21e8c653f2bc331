"""Create a till API token for one store; the key is printed once and only its hash is kept."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from salesoffice.models import Site
from vip import api_auth


class Command(BaseCommand):
    help = "Create a till API token for a store: manage.py vip_till_token <store code> <name>"

    def add_arguments(self, parser):
        parser.add_argument("store")
        parser.add_argument("name")

    def handle(self, *args, store: str, name: str, **options):
        site = Site.objects.filter(code=store, kind=Site.Kind.STORE).first()
        if site is None:
            raise CommandError(f"no store {store!r}")
        _token, key = api_auth.token_create(store=site, name=name, now=timezone.now())
        self.stdout.write(key)
