from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from reports.figures import figures_rebuild, figures_refresh


class Command(BaseCommand):
    help = "Bring the reports' figures up to date with the audit trail (after a bulk load, or --rebuild)."

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="Start over from every case.")

    def handle(self, *args, rebuild: bool = False, **options):
        if rebuild:
            total = figures_rebuild()
        else:
            total = 0
            while done := figures_refresh():
                total += done
        self.stdout.write(_("%(count)d cases recomputed.") % {"count": total})
