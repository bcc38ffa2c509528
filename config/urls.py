from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularSwaggerSplitView

from api.views import SchemaView
from config import errors

admin.site.site_header = _("Tongxin casework administration")
admin.site.site_title = _("Tongxin casework")
admin.site.index_title = _("Units, people, experience cards and the work calendar")

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("api/schema/", SchemaView.as_view(), name="api_schema"),
    # Swagger UI styles itself inline; its script is a file of its own (the split view), so only styles relax.
    path(
        "api/docs/",
        csp_update({"style-src": [UNSAFE_INLINE], "img-src": ["data:"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api_schema")
        ),
        name="api_docs",
    ),
    # An API path that matches nothing (the path converters refuse a malformed id or reference that way):
    # the JSON 404. A path without its last slash matches nothing here, so that CommonMiddleware still
    # redirects it to the one with.
    re_path(r"^api/(?:[\s\S]*/)?$", errors.api_path_not_found),  # [\s\S]: a newline in the path too
    path("", include("web.urls")),
]


handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"
