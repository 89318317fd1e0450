"""Limits on password guessing, shared by both sign-in doors (the login page and the API's
token endpoint).

Wrong passwords are counted per account (the username as typed, normalised: NFKC, trimmed,
case-folded) and per address (the client IP, see `client_address`). When either count reaches
its limit within the window, that account or address is locked for the same length of time:
every attempt through it is refused (a right password too) until the lock runs out or a
superuser lifts it in the admin. A successful sign-in clears the account's count, never the
address's (one known password must not reset the guessing of others).

Counters and locks live in Django's default cache, which every process shares (the database
cache, or Redis). A window opens with its first failure (`cache.add` of the opening time), and
its count is a key named after that opening, bumped with `cache.incr`, never read and rewritten
here. On Redis that increment is atomic; the database cache's incr is a read and a write, so
failures landing at the same instant in several processes may count once (the limit then
stretches by at most the number of concurrent workers): set CACHE_URL to Redis where that
matters. A lock is taken with `cache.add`, so one process records it: logged (logger
`atrium.security`) and kept as a `LoginLock` row.

Settings: LOGIN_FAILURES_PER_ACCOUNT (10), LOGIN_FAILURES_PER_ADDRESS (50), LOGIN_LOCK_MINUTES
(15: both the counting window and the lock's length), TRUSTED_PROXY_COUNT (0).
"""

import hashlib
import ipaddress
import logging
import math
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache

from .models import LoginLock, LoginLockKind

logger = logging.getLogger("atrium.security")

PREFIX = "login-throttle"


@dataclass(frozen=True)
class Refusal:
    """Why a sign-in is refused before its password is looked at, and for how long."""

    retry_after: int  # seconds, for the Retry-After header

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))

    @property
    def message(self) -> str:
        unit = "minute" if self.minutes == 1 else "minutes"
        return f"Too many failed sign-in attempts. Try again in {self.minutes} {unit}."


# ---------------------------------------------------------------------------------------------
# Settings and subjects


def lock_seconds() -> int:
    return max(1, math.ceil(float(getattr(settings, "LOGIN_LOCK_MINUTES", 15)) * 60))


def _limit(kind: str) -> int:
    if kind == LoginLockKind.ACCOUNT:
        return int(getattr(settings, "LOGIN_FAILURES_PER_ACCOUNT", 10))
    return int(getattr(settings, "LOGIN_FAILURES_PER_ADDRESS", 50))


def normalise_username(username) -> str:
    return unicodedata.normalize("NFKC", str(username or "")).strip().casefold()


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request) -> str:
    """REMOTE_ADDR, unless TRUSTED_PROXY_COUNT says that many proxies of ours stand in front:
    then the address the outermost of them saw, which is that many entries from the right of
    X-Forwarded-For (entries further left are whatever the client chose to send)."""
    meta = request.META
    remote = meta.get("REMOTE_ADDR", "") or ""
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies > 0:
        hops = [h for h in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            forwarded = _valid_ip(hops[-proxies])
            if forwarded:
                return forwarded
    return _valid_ip(remote) or remote or "unknown"


def _subjects(request, username) -> list[tuple[str, str]]:
    subjects = []
    account = normalise_username(username)[:254]  # LoginLock.value's length
    if account:
        subjects.append((LoginLockKind.ACCOUNT.value, account))
    subjects.append((LoginLockKind.ADDRESS.value, client_address(request)))
    return subjects


def _key(kind: str, value: str, part: str) -> str:
    digest = hashlib.sha256(value.encode()).hexdigest()[:40]
    return f"{PREFIX}:{kind}:{digest}:{part}"


# ---------------------------------------------------------------------------------------------
# The three calls the sign-in views make


def check_allowed(request, username) -> Refusal | None:
    """None when this sign-in may be tried; else the Refusal (the account or address is
    locked). Call before looking at the password."""
    keys = [_key(kind, value, "lock") for kind, value in _subjects(request, username)]
    now = time.time()
    waits = [until - now for until in cache.get_many(keys).values() if until > now]
    if not waits:
        return None
    return Refusal(retry_after=max(1, math.ceil(max(waits))))


def record_failure(request, username) -> None:
    """Count one wrong password (once per attempt) and lock whatever reached its limit."""
    for kind, value in _subjects(request, username):
        failures = _count(kind, value)
        if failures >= _limit(kind):
            _lock(kind, value, failures)


def record_success(request, username) -> None:
    """A right password: the account's count starts again."""
    account = normalise_username(username)[:254]
    if account:
        _clear_count(LoginLockKind.ACCOUNT.value, account)


def lift(kind: str, value: str) -> None:
    """End a lock now (the admin's "Lift selected locks"): its lock and count are dropped."""
    cache.delete(_key(kind, value, "lock"))
    _clear_count(kind, value)


# ---------------------------------------------------------------------------------------------
# Counting


def _count(kind: str, value: str) -> int:
    window = lock_seconds()
    now = time.time()
    opened_key = _key(kind, value, "opened")
    cache.add(opened_key, now, window)
    opened = cache.get(opened_key)
    if opened is None or opened + window <= now:  # gone or outlived between the calls
        opened = now
        cache.set(opened_key, opened, window)
    remaining = max(1, math.ceil(opened + window - now))
    counter = _key(kind, value, f"n{int(opened * 1000)}")
    cache.add(counter, 0, remaining)
    try:
        failures = cache.incr(counter)
    except ValueError:  # expired between add and incr
        cache.add(counter, 1, remaining)
        failures = 1
    # The database cache's incr stores the new value with the default timeout: put the
    # window's end back (harmless where incr keeps it, as Redis does).
    cache.touch(counter, remaining)
    return failures


def _clear_count(kind: str, value: str) -> None:
    opened_key = _key(kind, value, "opened")
    opened = cache.get(opened_key)
    keys = [opened_key]
    if opened is not None:
        keys.append(_key(kind, value, f"n{int(opened * 1000)}"))
    cache.delete_many(keys)


def _lock(kind: str, value: str, failures: int) -> None:
    seconds = lock_seconds()
    until = time.time() + seconds
    if not cache.add(_key(kind, value, "lock"), until, seconds):
        return  # locked already (another process got there first)
    locked_until = datetime.fromtimestamp(until, tz=UTC)
    LoginLock.objects.create(kind=kind, value=value, failures=failures, locked_until=locked_until)
    logger.warning(
        "Sign-in lock: %s %r locked until %s after %d failed attempts",
        kind,
        value,
        locked_until.isoformat(timespec="seconds"),
        failures,
        extra={"lock_kind": kind, "lock_value": value, "locked_until": locked_until},
    )
