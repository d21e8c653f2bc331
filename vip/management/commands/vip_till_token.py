"""Till API tokens: create one for a store (the key is printed once and only its hash is kept), list a store's,
revoke one (a lost till, a leaked key: it stops working with its next request)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from salesoffice.models import Site
from vip import api_auth
from vip.models import ApiToken


def when(instant) -> str:
    return f"{timezone.localtime(instant):%Y-%m-%d %H:%M}"


class Command(BaseCommand):
    help = (
        "Till API tokens: `vip_till_token <store code> <name>` creates one and prints its key; "
        "`--list <store code>` lists a store's; `--revoke <id>` revokes one."
    )

    def add_arguments(self, parser):
        parser.add_argument("store", nargs="?")
        parser.add_argument("name", nargs="?")
        parser.add_argument("--list", dest="list_tokens", action="store_true", help="list the store's tokens")
        parser.add_argument("--revoke", type=int, metavar="ID", help="revoke the token with this id")

    def handle(self, *args, store: str | None, name: str | None, list_tokens: bool, revoke: int | None, **options):
        now = timezone.now()
        if revoke is not None:
            token = ApiToken.objects.select_related("store").filter(pk=revoke).first()
            if token is None:
                raise CommandError(f"no till token {revoke}")
            api_auth.token_revoke(token, now=now)
            self.stdout.write(f"revoked {token.pk} {token.name} ({token.store.code}) at {when(token.revoked_at)}")
            return
        if not store:
            raise CommandError("name the store: vip_till_token <store code> <name>, or --list <store code>")
        site = Site.objects.filter(code=store, kind=Site.Kind.STORE).first()
        if site is None:
            raise CommandError(f"no store {store!r}")
        if list_tokens:
            for token in site.vip_api_tokens.order_by("pk"):
                state = f"revoked {when(token.revoked_at)}" if token.revoked_at else "active"
                self.stdout.write(f"{token.pk}\t{token.name}\tcreated {when(token.created_at)}\t{state}")
            return
        if not name:
            raise CommandError("name the till: vip_till_token <store code> <name>")
        _token, key = api_auth.token_create(store=site, name=name, now=now)
        self.stdout.write(key)
