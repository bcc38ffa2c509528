from django.core.management.base import BaseCommand, CommandParser

from cases.services.sms import sms_send_due


class Command(BaseCommand):
    help = (
        "Send the queued SMS to the parties whose next attempt is due (the timer runner does it on every pass "
        "too). Prints how many went out."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=100, help="At most this many (default 100).")

    def handle(self, *args: object, limit: int = 100, **options: object) -> None:
        self.stdout.write(f"sms sent: {sms_send_due(limit=limit)}")
