"""The API's throttles. They count in the shared cache (Redis when ``REDIS_URL`` is set), so that every worker
counts the same; a write never waits for Redis: while the shared cache fails, a throttle counts in this
process's memory at the same rate (so each process admits up to the rate) and says so in the log."""

import logging

from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from redis.exceptions import RedisError
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle, UserRateThrottle
from rest_framework.views import APIView

from cases.ratelimit import tracking_lookups

logger = logging.getLogger(__name__)

# What the throttles count while the shared cache fails: this process's own.
local_counts = LocMemCache("api-throttles", {})


class SharedOrLocalRateThrottle(UserRateThrottle):
    """A per-user rate counted in the shared cache, or in ``local_counts`` while that one fails."""

    # One warning when the shared cache starts failing in this process and one when it answers again, not
    # one per request.
    shared_cache_failing = False

    def allow_request(self, request: Request, view: APIView) -> bool:
        try:
            allowed = super().allow_request(request, view)
        except RedisError:
            if not SharedOrLocalRateThrottle.shared_cache_failing:
                SharedOrLocalRateThrottle.shared_cache_failing = True
                logger.warning(
                    "throttle %s: the shared cache fails; counting in this process meanwhile",
                    self.scope,
                    exc_info=True,
                )
            self.cache = local_counts
            return super().allow_request(request, view)
        if SharedOrLocalRateThrottle.shared_cache_failing:
            SharedOrLocalRateThrottle.shared_cache_failing = False
            logger.warning("throttle %s: the shared cache answers again", self.scope)
        return allowed


class IntakeThrottle(SharedOrLocalRateThrottle):
    """Flooding the public intake (hotline, mini program, kiosk) gets a 429."""

    scope = "intake"

    def get_rate(self) -> str:
        return settings.API_INTAKE_RATE


class TrackThrottle(BaseThrottle):
    """The parties' lookups (``POST /api/v1/track/``), per client address, counted with the tracking page's
    (``cases.ratelimit.tracking_lookups``, ``TRACK_RATE``)."""

    waiting: int | None = None

    def allow_request(self, request: Request, view: APIView) -> bool:
        self.waiting = tracking_lookups.hit(request.META.get("REMOTE_ADDR", ""))
        return self.waiting is None

    def wait(self) -> float | None:
        return self.waiting
