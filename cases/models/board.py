"""The board's counts, kept with the writes: how many cases each unit has in each state.

A supervisor's board sums these rows over the units of a subtree (by the units' materialised paths), so its
counts cost the same whatever the number of cases. The database keeps them: a trigger on the case table
(``cases/migrations/…_board_counts``) moves a count on every insert, delete, transition and change of unit, in
the transaction of the write, so a rolled-back write leaves them as they were and no command sends a statement
more. Each (unit, state) is spread over ``BOARD_COUNT_SLOTS`` rows (by case id) so that two transactions moving
cases of the same unit and state seldom wait for each other's commit on one row."""

from django.db import models
from django.utils.translation import gettext_lazy as _

BOARD_COUNT_SLOTS = 4


class BoardCount(models.Model):
    """One slot of the count of a unit's cases in one state (``BOARD_COUNT_SLOTS`` slots, by case id)."""

    unit = models.ForeignKey("cases.Unit", on_delete=models.CASCADE, related_name="+", db_index=False)
    state = models.CharField(_("state"), max_length=20)
    slot = models.PositiveSmallIntegerField(_("slot"))
    count = models.IntegerField(_("cases"), default=0)

    class Meta:
        verbose_name = _("board count")
        verbose_name_plural = _("board counts")
        # The triggers' upsert key, and the board's read: the rows of a set of units.
        constraints = [models.UniqueConstraint(fields=["unit", "state", "slot"], name="board_count_once")]

    def __str__(self) -> str:
        return f"{self.unit_id}·{self.state}·{self.slot}: {self.count}"


class BoardDue(models.Model):
    """How many open cases of a unit turn yellow on one day and are due on another (UTC days), paused or not:
    only cases with a yellow moment (every open case with a deadline). Kept by a trigger like ``BoardCount``, and
    spread over slots like it: the cases of a unit registered on one day share their days.

    Lights change with the clock, not with writes, so the board cannot keep them counted; but a day's rows are
    all red once the day they are due is over, and all yellow (unless paused) once the day they turn yellow is
    over and before the day they are due. The board sums these rows for the days before today and counts only
    the cases due or turning yellow today one by one (``cases.selectors.board.board_lights``): rows as many as
    units × days, cases as many as a day's."""

    unit = models.ForeignKey("cases.Unit", on_delete=models.CASCADE, related_name="+", db_index=False)
    yellow_day = models.DateField(_("turns yellow on"))
    due_day = models.DateField(_("due on"))
    paused = models.BooleanField(_("paused"))
    # ``BOARD_COUNT_SLOTS`` rows a key, by case id, as ``BoardCount``'s
    slot = models.PositiveSmallIntegerField(_("slot"))
    count = models.IntegerField(_("cases"), default=0)

    class Meta:
        verbose_name = _("board due count")
        verbose_name_plural = _("board due counts")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "yellow_day", "due_day", "paused", "slot"], name="board_due_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}·{self.yellow_day}→{self.due_day}·{self.paused}·{self.slot}: {self.count}"
