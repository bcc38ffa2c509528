from django.core.management.base import BaseCommand
from django.test.utils import override_settings
from django.utils.translation import gettext as _

from demo import org as demo


class Command(BaseCommand):
    help = "Load the demo units, people, experience cards and cases (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--no-cases", action="store_true", help="Only units, people and cards.")

    def handle(self, *args, no_cases: bool = False, **options):
        # The demo parties' messages (receipts, satisfaction links) go to the outbox (Admin → SMS messages),
        # not a line each on the console.
        with override_settings(SMS_BACKEND="cases.sms_backends.DatabaseBackend"):
            demo.load(with_cases=not no_cases)
        self.stdout.write(_("Demo logins (password %(password)s):") % {"password": demo.DEMO_PASSWORD})
        for username, role in demo.LOGINS:
            self.stdout.write(f"  {username:<20} {role}")
