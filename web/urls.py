from django.urls import path

from cases import converters  # noqa: F401  (registers the `id` and `reference` path converters)
from web.views import attachments, cases, extensions, notifications, orders, parties, reports, returns, tasks

urlpatterns = [
    path("", cases.home, name="home"),
    path("cases/", cases.case_list, name="cases"),
    path("cases/new/dispute/", cases.dispute_new, name="dispute_new"),
    path("cases/new/help-request/", cases.help_request_new, name="help_request_new"),
    path("cases/<reference:reference>/", cases.case_detail, name="case"),
    path("cases/<reference:reference>/actions/<str:action>/", cases.case_action, name="case_action"),
    path("cases/<reference:reference>/return/", returns.case_return, name="case_return"),
    path("returns/", returns.return_list, name="returns"),
    path("returns/<id:return_id>/decide/", returns.return_decide, name="return_decide"),
    path("cases/<reference:reference>/orders/", orders.order_issue, name="case_order_issue"),
    path("orders/<id:order_id>/reply/", orders.order_reply, name="order_reply"),
    path(
        "cases/<reference:reference>/attachments/", attachments.case_attachment_add, name="case_attachments"
    ),
    path("attachments/<id:attachment_id>/", attachments.attachment_download, name="attachment"),
    path("attachments/<id:attachment_id>/remove/", attachments.attachment_remove, name="attachment_remove"),
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
    path("tasks/<id:task_id>/extensions/", tasks.task_extension_ask, name="task_extension_ask"),
    path("extensions/", extensions.extension_list, name="extensions"),
    path("extensions/<id:extension_id>/decide/", extensions.extension_decide, name="extension_decide"),
    path("tasks/<id:task_id>/attachments/", attachments.task_attachment_add, name="task_attachments"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/read/", notifications.notification_read, name="notifications_read"),
    path("board/", notifications.board, name="board"),
    path("reports/", reports.unit_report, name="reports"),
    path("reports/people/", reports.people_report, name="report_people"),
    path("reports/pdf/", reports.unit_report_pdf, name="report_pdf"),
]
