from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process, Task

from cases.models.case import NO_DEADLINE
from notifications.events import held

# The statuses of a task someone holds (claimed or started): the inbox.
HELD_STATUSES = ("ASSIGNED", "STARTED")
QUEUED = models.Q(status="NEW", owner__isnull=True)  # waiting for someone to claim it: the queue
HELD = models.Q(status__in=HELD_STATUSES)


class CaseProcess(Process):
    """A flow run over one case. A case has one open process; an escalation ends it and starts the next."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="processes")

    def save(self, *args, **kwargs):
        """viewflow saves the whole process when it finishes; the case it belongs to never changes after the
        first save, so a later save writes the process table only (one UPDATE, not one per table)."""
        if (
            self.pk is not None
            and not self._state.adding
            and kwargs.get("update_fields") is None
            and not kwargs.get("force_insert")
        ):
            kwargs["update_fields"] = [
                field.attname for field in Process._meta.concrete_fields if not field.primary_key
            ]
        adding = self._state.adding
        super().save(*args, **kwargs)
        if adding and ("case", self.case_id) in held():  # a new process of a case the command holds: its lock
            held().add(("process", self.pk))

    class Meta:
        verbose_name = _("case process")


# The queue's orders (``workflow.selectors``: ``BY_URGENCY``, ``BY_DUE``, ``BY_AGE``) and what its indexes carry
# beside them: the unit a branch filters by, the case a search joins.
QUEUE_ORDERS = {"urgent": ["-priority", "due", "task"], "due": ["due", "task"], "age": ["created", "task"]}
COVERS = ["unit", "case"]


class TaskOrder(models.Model):
    """A step's task with what the worklists filter and order it by, on one row: its case's unit, kind and
    priority, its own status, owner, node and moments, and its step's due moment (``NO_DEADLINE`` without one).

    viewflow's Task is viewflow's table; the priority lives on the case and the due moment on the step's clock,
    so a queue ordered by them had to sort the whole open queue on each request. Here each list reads one index
    in its order and stops after a page (``workflow.selectors``). The database keeps the rows in step with the
    task, the case and the clock (triggers: ``workflow/migrations/…_task_order``), in the writing transaction,
    so no command sends a statement more for them."""

    task = models.OneToOneField(Task, on_delete=models.CASCADE, primary_key=True, related_name="order")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("cases.Unit", on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=20)
    flow_task = models.CharField(max_length=255)
    status = models.CharField(max_length=50)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", null=True, db_index=False
    )
    priority = models.PositiveSmallIntegerField()
    due = models.DateTimeField(default=NO_DEADLINE)
    created = models.DateTimeField()
    finished = models.DateTimeField(null=True)
    case_created = models.DateTimeField()  # the case's registration: the cases a queue reaches, newest first

    class Meta:
        verbose_name = _("task order")
        verbose_name_plural = _("task orders")
        # One index per list and order that pages walk: the queue (waiting, nobody holds it) in each of its
        # three orders, a range per step (``workflow.selectors.queue_branches``): a subtree's units filtered in
        # the index (``include``: its entries answer without the table, so the planner walks it in order and
        # stops after a page however few rows it expects), and one unit's range for a worker's steps (a
        # mediator's triage is a step of every unit's); the inbox by urgency, the done list by when.
        indexes = [
            *(
                models.Index(
                    fields=["flow_task", *order], name=f"order_queue_{name}", condition=QUEUED, include=COVERS
                )
                for name, order in QUEUE_ORDERS.items()
            ),
            *(
                models.Index(
                    fields=["flow_task", "unit", *order],
                    name=f"order_unit_{name}",
                    condition=QUEUED,
                    include=["case"],
                )
                for name, order in QUEUE_ORDERS.items()
            ),
            models.Index(
                fields=["owner", "-priority", "due", "task"], name="order_held_urgent", condition=HELD
            ),
            models.Index(
                fields=["owner", "-finished", "-task"], name="order_done", condition=models.Q(status="DONE")
            ),
            # The cases a professional's queue reaches, newest first (their case list), step by step.
            models.Index(
                fields=["flow_task", "-case_created", "-case"],
                name="order_queue_cases",
                condition=QUEUED,
                include=["unit"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_id}·{self.status}·{self.priority}·{self.due}"
