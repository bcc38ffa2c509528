"""Who is on a websocket: the API token in ``Authorization: Token <key>`` for programs, or the session cookie
for pages, accepted only from an allowed Origin (a page of another site must not ride on the cookie)."""

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import AllowedHostsOriginValidator
from django.contrib.auth.models import AnonymousUser


@database_sync_to_async
def _user_for_token(key: str):
    from rest_framework.authtoken.models import Token

    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        return AnonymousUser()
    return token.user


class TokenOrSessionAuth:
    def __init__(self, inner):
        self.inner = inner
        self.session_app = AllowedHostsOriginValidator(AuthMiddlewareStack(inner))

    async def __call__(self, scope, receive, send):
        authorization = dict(scope.get("headers", [])).get(b"authorization", b"").decode("latin1")
        if authorization.startswith("Token "):
            user = await _user_for_token(authorization.removeprefix("Token ").strip())
            return await self.inner({**scope, "user": user}, receive, send)
        return await self.session_app(scope, receive, send)
