from django.urls import path

from notifications.consumers import NotificationConsumer
from web.consumers import BoardConsumer

websocket_urlpatterns = [
    path("ws/notifications/", NotificationConsumer.as_asgi()),
    path("ws/board/", BoardConsumer.as_asgi()),
]
