from django.urls import path

from cases import views
from workflow import views as task_views

urlpatterns = [
    path("", views.home, name="home"),
    path("cases/", views.case_list, name="cases"),
    path("cases/new/dispute/", views.dispute_new, name="dispute_new"),
    path("cases/new/help-request/", views.help_request_new, name="help_request_new"),
    path("cases/<str:reference>/", views.case_detail, name="case"),
    path("cases/<str:reference>/actions/<str:action>/", views.case_action, name="case_action"),
    path("tasks/inbox/", task_views.inbox, name="inbox"),
    path("tasks/queue/", task_views.queue, name="queue"),
    path("tasks/archive/", task_views.archive, name="archive"),
    path("tasks/<int:task_id>/", task_views.task_detail, name="task"),
    path("tasks/<int:task_id>/claim/", task_views.task_claim, name="task_claim"),
    path("tasks/<int:task_id>/release/", task_views.task_release, name="task_release"),
    path("tasks/<int:task_id>/reassign/", task_views.task_reassign, name="task_reassign"),
]
