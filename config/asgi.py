import gc
import os
from importlib import import_module

from django.core.asgi import get_asgi_application

from config.daphne import leave_multipart_to_django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()
leave_multipart_to_django()

# These need the app registry loaded.
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from config.proxy import ProxyHeaders  # noqa: E402
from notifications.auth import TokenOrSessionAuth  # noqa: E402
from web.routing import websocket_urlpatterns  # noqa: E402

application = ProxyHeaders(
    ProtocolTypeRouter(
        {
            "http": django_asgi_app,
            "websocket": TokenOrSessionAuth(URLRouter(websocket_urlpatterns)),
        }
    ),
    proxies=settings.TRUSTED_PROXIES,
    worker=settings.WORKER_NAME,
)

# What start-up made (the modules, the URL patterns, the flows) lives as long as the process: frozen, it is out of
# the garbage collector's sight, and a full collection scans only what serving made since. Otherwise each one
# took 70–100 ms with 500 board sockets open (bench/push.py), a pause that every push in flight waited out.
import_module(settings.ROOT_URLCONF)  # every view imported now, not at the first request
gc.collect()
gc.freeze()
