"""Case operations that move a flow, each one command that owns its transaction: intake, claim, release,
reassign, complete, pause, resume, side exits, extension requests and their decisions, returns (退回) and their
decisions, supervision orders; and the timer runner's."""

from workflow.services.extensions import extension_decide, task_extension_ask
from workflow.services.intake import dispute_intake, help_request_intake
from workflow.services.notes import case_note_add
from workflow.services.orders import order_issue, order_reply
from workflow.services.returns import case_return, return_decide
from workflow.services.side_exits import case_side_exit
from workflow.services.tasks import (
    task_claim,
    task_complete,
    task_pause,
    task_reassign,
    task_release,
    task_resume,
    tasks_claim,
)
from workflow.services.timers import confirmations_fire, timers_run

__all__ = [
    "case_note_add",
    "case_return",
    "case_side_exit",
    "dispute_intake",
    "extension_decide",
    "help_request_intake",
    "return_decide",
    "order_issue",
    "order_reply",
    "task_claim",
    "task_complete",
    "task_extension_ask",
    "task_pause",
    "task_reassign",
    "task_release",
    "task_resume",
    "tasks_claim",
    "timers_run",
    "confirmations_fire",
]
