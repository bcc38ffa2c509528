import time

from django.core.management.base import BaseCommand

from workflow.services import deadlines_notify


class Command(BaseCommand):
    help = "Notify people of step deadlines that are near or passed (once each). --every N repeats every N seconds."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=int, default=0, help="Repeat every N seconds (the scheduler process)."
        )

    def handle(self, *args, every: int = 0, **options):
        while True:
            stored = deadlines_notify()
            self.stdout.write(f"deadline notifications: {stored}")
            if not every:
                return
            time.sleep(every)
