from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from salesoffice import outbox
from salesoffice.models import QueuedTask


class Command(BaseCommand):
    help = "Publish the background tasks queued while the broker was down (run it once Redis is back)."

    def handle(self, *args, **options):
        published = outbox.queued_tasks_publish(now=timezone.now())
        waiting = QueuedTask.objects.filter(published_at__isnull=True).count()
        self.stdout.write(f"published {published}")
        if waiting:
            raise CommandError(f"{waiting} still waiting: the broker did not take them (is it up?)")
