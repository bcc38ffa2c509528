"""Daphne serves the project through Twisted, whose HTTP request parses every ``multipart/form-data`` POST body
itself (into memory, for nothing: Django parses it again) and answers one it cannot parse with a bare 400 (no
body, no Content-Type) before the application sees it. Evidence uploads are multipart: with this, Django alone
parses them, with the attachment size limit, and refuses a malformed body in the API's error shape.

``leave_multipart_to_django()`` runs when ``config.asgi`` is imported, which daphne does before it serves."""


def leave_multipart_to_django() -> None:
    try:
        from daphne.http_protocol import WebRequest  # type: ignore[import-untyped]
    except ImportError:  # another ASGI server: nothing to do
        return
    if getattr(WebRequest, "leaves_multipart_to_django", False):
        return
    twisted_init = WebRequest.__init__

    def __init__(self, *args, **kwargs):
        twisted_init(self, *args, **kwargs)
        self._parsePOSTFormSubmission = False  # twisted.web.http.Request's switch (Twisted ≥ 24.7)

    WebRequest.__init__ = __init__
    WebRequest.leaves_multipart_to_django = True
