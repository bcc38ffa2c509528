from django.urls import path

from api import agreements, attachments, honours, notes, reports, returns, tracking, views
from cases import converters  # noqa: F401  (registers the `id` and `reference` path converters)

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api_token"),
    path("disputes/", views.disputes, name="api_disputes"),
    path("help-requests/", views.help_requests, name="api_help_requests"),
    path("cases/", views.case_list, name="api_cases"),
    path("cases/<reference:reference>/", views.case_detail, name="api_case"),
    path("cases/<reference:reference>/unmask/", views.case_unmask, name="api_case_unmask"),
    path("cases/<reference:reference>/actions/<str:action>/", views.case_action, name="api_case_action"),
    path("cases/<reference:reference>/return/", returns.case_return, name="api_case_return"),
    path("returns/", returns.return_list, name="api_returns"),
    path("returns/counts/", returns.return_counts, name="api_return_counts"),
    path("returns/<id:return_id>/decide/", returns.return_decide, name="api_return_decide"),
    path("cases/<reference:reference>/orders/", views.case_orders, name="api_case_orders"),
    path("cases/<reference:reference>/notes/", notes.case_notes, name="api_case_notes"),
    path("orders/", views.order_list, name="api_orders"),
    path("orders/<id:order_id>/reply/", views.order_reply, name="api_order_reply"),
    path(
        "cases/<reference:reference>/attachments/", attachments.case_attachments, name="api_case_attachments"
    ),
    path("attachments/<id:attachment_id>/", attachments.attachment_detail, name="api_attachment"),
    path("cases/<reference:reference>/agreement.docx", agreements.agreement_docx, name="api_agreement_docx"),
    path("cases/<reference:reference>/agreement.pdf", agreements.agreement_pdf, name="api_agreement_pdf"),
    path("cases/<reference:reference>/tracking-code/", tracking.tracking_code, name="api_tracking_code"),
    path("cases/<reference:reference>/public-notes/", tracking.public_notes, name="api_public_notes"),
    path("track/", tracking.track, name="api_track"),
    path("board/", views.board, name="api_board"),
    path("tasks/", views.task_list, name="api_tasks"),
    path("tasks/claim/", views.task_claim_many, name="api_tasks_claim_many"),
    path("tasks/<id:task_id>/claim/", views.task_claim, name="api_task_claim"),
    path("tasks/<id:task_id>/release/", views.task_release, name="api_task_release"),
    path("tasks/<id:task_id>/complete/", views.task_complete, name="api_task_complete"),
    path("tasks/<id:task_id>/reassign/", views.task_reassign, name="api_task_reassign"),
    path("tasks/<id:task_id>/pause/", views.task_pause, name="api_task_pause"),
    path("tasks/<id:task_id>/resume/", views.task_resume, name="api_task_resume"),
    path("tasks/<id:task_id>/extensions/", views.task_extension_ask, name="api_task_extension_ask"),
    path("extensions/<id:extension_id>/decide/", views.extension_decide, name="api_extension_decide"),
    path("reports/units/", reports.report_units, name="api_report_units"),
    path("reports/people/", reports.report_people, name="api_report_people"),
    path("notifications/", views.notification_list, name="api_notifications"),
    path("notifications/read/", views.notification_read, name="api_notifications_read"),
    path("honours/nominations/", honours.nominations, name="api_honours_nominations"),
    path(
        "honours/nominations/<id:nomination_id>/decide/",
        honours.nomination_decide,
        name="api_honours_nomination_decide",
    ),
    path("honours/roll/", honours.honour_roll, name="api_honours_roll"),
    path("honours/units/<id:unit_id>/tasks/", honours.unit_tasks, name="api_honours_unit_tasks"),
    path("honours/units/<id:unit_id>/targets/", honours.unit_targets, name="api_honours_unit_targets"),
    path(
        "honours/units/<id:unit_id>/activities/", honours.unit_activities, name="api_honours_unit_activities"
    ),
    path("honours/activities/<id:activity_id>/", honours.activity_detail, name="api_honours_activity"),
    path("honours/units/<id:unit_id>/sheets/", honours.unit_sheets, name="api_honours_unit_sheets"),
    path("honours/sheets/<id:sheet_id>/", honours.sheet_detail, name="api_honours_sheet"),
]
