"""The request a page sees behind ``login_required``: ``request.user`` is a signed-in ``cases.models.User``.

For annotations only (django-stubs' ``AuthenticatedHttpRequest``); Django builds the request as usual.
"""

from django.http import HttpRequest

from cases.models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User
