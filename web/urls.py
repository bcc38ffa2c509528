from django.urls import path

from cases import converters  # noqa: F401  (registers the `id` and `reference` path converters)
from web.views import cases, notifications, parties, tasks

urlpatterns = [
    path("", cases.home, name="home"),
    path("cases/", cases.case_list, name="cases"),
    path("cases/new/dispute/", cases.dispute_new, name="dispute_new"),
    path("cases/new/help-request/", cases.help_request_new, name="help_request_new"),
    path("cases/<reference:reference>/", cases.case_detail, name="case"),
    path("cases/<reference:reference>/actions/<str:action>/", cases.case_action, name="case_action"),
    path("cases/<reference:reference>/receipt/", parties.receipt, name="receipt"),
    path(
        "cases/<reference:reference>/tracking-code/",
        parties.tracking_code_reissue,
        name="tracking_code_reissue",
    ),
    path("cases/<reference:reference>/public-notes/", parties.public_note_add, name="public_note_add"),
    path("track/", parties.track, name="track"),
    path("satisfaction/<str:token>/", parties.satisfaction, name="satisfaction"),
    path("tasks/inbox/", tasks.inbox, name="inbox"),
    path("tasks/queue/", tasks.queue, name="queue"),
    path("tasks/archive/", tasks.archive, name="archive"),
    path("tasks/<id:task_id>/", tasks.task_detail, name="task"),
    path("tasks/<id:task_id>/claim/", tasks.task_claim, name="task_claim"),
    path("tasks/<id:task_id>/release/", tasks.task_release, name="task_release"),
    path("tasks/<id:task_id>/reassign/", tasks.task_reassign, name="task_reassign"),
    path("tasks/<id:task_id>/pause/", tasks.task_pause, name="task_pause"),
    path("tasks/<id:task_id>/resume/", tasks.task_resume, name="task_resume"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/read/", notifications.notification_read, name="notifications_read"),
    path("board/", notifications.board, name="board"),
]
