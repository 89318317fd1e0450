"""What a server process (gunicorn, runserver, an ASGI server) refuses to start without.

With DEBUG off the process is a production server, and it needs a SECRET_KEY of its own: long and
random by Django's own measure (at least 50 characters, at least 5 different ones, not a
`django-insecure-` key). Sessions, invitation links and campaign tracking links are signed with
it, and the development key is public. Commands (migrate, collectstatic, seed_demo) and the
tests sign nothing a visitor holds, so they run with the development key.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEVELOPMENT_SECRET_KEY = "atrium-development-key-not-for-production"
MAKE_A_KEY = "python -c 'import secrets; print(secrets.token_urlsafe(50))'"


def secret_key_problem(key: str) -> str:
    """Why `key` is not fit for production, or "" when it is."""
    from django.core.checks.security.base import (
        SECRET_KEY_INSECURE_PREFIX,
        SECRET_KEY_MIN_LENGTH,
        SECRET_KEY_MIN_UNIQUE_CHARACTERS,
    )

    if key == DEVELOPMENT_SECRET_KEY:
        return "SECRET_KEY is not set, so it is the public development key"
    if (
        len(key) < SECRET_KEY_MIN_LENGTH
        or len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
        or key.startswith(SECRET_KEY_INSECURE_PREFIX)
    ):
        return (
            f"SECRET_KEY is not long and random (it needs {SECRET_KEY_MIN_LENGTH} characters "
            f"or more, {SECRET_KEY_MIN_UNIQUE_CHARACTERS} or more of them different)"
        )
    return ""


def refuse_unsafe_start() -> None:
    """Raise ImproperlyConfigured, saying what to set, when DEBUG is off and the key is unfit."""
    if settings.DEBUG:
        return
    problem = secret_key_problem(settings.SECRET_KEY)
    if problem:
        raise ImproperlyConfigured(
            f"DEBUG is off (a production server) and {problem}. Set SECRET_KEY to a long random "
            f"value, e.g. the output of {MAKE_A_KEY}; or set DEBUG=on for a local development "
            "server."
        )
