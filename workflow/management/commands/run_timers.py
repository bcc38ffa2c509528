import signal
from types import FrameType

from django.core.management.base import BaseCommand, CommandError, CommandParser

from workflow.services.timers import BATCH, timers_serve


class Command(BaseCommand):
    help = (
        "Fire the deadline timers that are due (yellow and red reminders, the automatic 督办, the end of a pause), "
        "each exactly once however many runners run. Runs until stopped, every --every seconds; --once fires "
        "what is due now and exits."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Fire what is due now, then exit.")
        parser.add_argument("--every", type=float, default=30.0, help="Seconds between passes (default 30).")
        parser.add_argument(
            "--batch", type=int, default=BATCH, help=f"Timers per transaction (default {BATCH})."
        )

    def handle(
        self, *args: object, once: bool = False, every: float = 30.0, batch: int = BATCH, **options: object
    ) -> None:
        if every <= 0 or batch <= 0:
            raise CommandError("--every and --batch must be above 0.")
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True  # the batch under way finishes (or rolls back): nothing is fired twice or lost

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

        def told(fired: int) -> None:
            self.stdout.write(f"timers fired: {fired}", ending="\n")
            self.stdout.flush()

        timers_serve(batch=batch, every=every, once=once, stopping=lambda: stopping, fired=told)
