"""A rate per client address, for what anonymous people may ask (the parties' tracking lookups, the page's
and the API's together). It counts in the shared cache (Redis when ``REDIS_URL`` is set), so that every worker
counts the same; while that cache fails it counts in this process's memory at the same rate and says so in the
log, once (as the API's throttles do, ``api/throttles.py``): a lookup never fails for want of Redis.

The address is the connection's (``REMOTE_ADDR``), never a header a client can write (``X-Forwarded-For``):
behind a proxy, let the server set the client's address (daphne's ``--proxy-headers``)."""

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

local_counts = LocMemCache("address-rates", {})
PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def rate_parsed(rate: str) -> tuple[int, int]:
    """``"20/min"`` → (20, 60): so many per period (s, min, h or day), as Django REST framework writes rates."""
    count, period = rate.split("/", 1)
    return int(count), PERIODS[period.strip().lower()]


@dataclass
class AddressRate:
    """``setting`` names the rate (``"20/min"``); ``scope`` keeps this rate's counts apart from others'."""

    scope: str
    setting: str
    shared_cache_failing: bool = False

    def hit(self, address: str) -> int | None:
        """Count one request from ``address``: None while under the rate, else the seconds until it may ask
        again (a fixed window)."""
        allowed, period = rate_parsed(getattr(settings, self.setting))
        now = time.time()
        window = int(now // period)
        key = f"rate:{self.scope}:{address}:{window}"
        try:
            count = self._count(cache, key, period)
            if self.shared_cache_failing:
                self.shared_cache_failing = False
                logger.warning("rate %s: the shared cache answers again", self.scope)
        except RedisError:
            if not self.shared_cache_failing:
                self.shared_cache_failing = True
                logger.warning(
                    "rate %s: the shared cache fails; counting in this process meanwhile", self.scope
                )
            count = self._count(local_counts, key, period)
        if count <= allowed:
            return None
        return max(1, int((window + 1) * period - now + 0.999))

    @staticmethod
    def _count(store, key: str, period: int) -> int:
        if store.add(key, 1, timeout=period + 1):
            return 1
        try:
            return store.incr(key)
        except ValueError:  # it expired between the two calls: a new window
            store.set(key, 1, timeout=period + 1)
            return 1


# The parties' lookups on /track/ and POST /api/v1/track/, counted together per address (``TRACK_RATE``).
tracking_lookups = AddressRate(scope="track", setting="TRACK_RATE")
