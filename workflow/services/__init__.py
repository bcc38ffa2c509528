"""Case operations that move a flow, each one command that owns its transaction: intake, claim, release,
reassign, complete, side exits; and the deadline notices of the scheduler."""

from workflow.services.deadlines import deadlines_notify
from workflow.services.intake import dispute_intake, help_request_intake
from workflow.services.side_exits import case_side_exit
from workflow.services.tasks import task_claim, task_complete, task_reassign, task_release

__all__ = [
    "case_side_exit",
    "deadlines_notify",
    "dispute_intake",
    "help_request_intake",
    "task_claim",
    "task_complete",
    "task_reassign",
    "task_release",
]
