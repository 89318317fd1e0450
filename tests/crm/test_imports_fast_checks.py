"""The import's cheap certainties (crm.services.imports.validate.SURE_EMAIL / SURE_URL) only
ever say "valid" for text Django's own validators accept: a cell they match skips the
validator, so a wrong match would let a bad cell in."""

import random

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator

from crm.services.imports.validate import SURE_EMAIL, SURE_URL, _sure

EMAIL = EmailValidator()
URL = URLValidator(schemes=["http", "https"])

EMAILS = [
    "a@b.co", "n0@new.example", "first.last+tag@mail.example.org", "x_y-z@a-b.c-d.com",
    "a..b@example.com", ".a@example.com", "a.@example.com", "a@-example.com", "a@example-.com",
    "a@example.c", "a@example.123", "a@localhost", "a@[127.0.0.1]", '"a b"@example.com',
    "a@b@example.com", "a@example..com", "a@.example.com", "ä@example.com", "a@exämple.com",
    "a@example.com.", " a@example.com", "a@" + "b" * 64 + ".com", "a@" + "b" * 63 + ".com",
    "a@example.xn--p1ai", "a b@example.com", "a@example.com\n", "A@EXAMPLE.COM",
]  # fmt: skip
URLS = [
    "https://n0.example.com/", "http://example.com", "HTTP://EXAMPLE.COM/a/b.html",
    "https://a-b.example.co.uk/path_x/~y/%20z", "ftp://example.com", "https://localhost",
    "https://127.0.0.1/", "https://[::1]/", "https://user:pw@example.com", "https://example.com:80",
    "https://-a.example.com", "https://a-.example.com", "https://example.c", "https://example.123",
    "https://exa mple.com", "https://example.com/a b", "https://example.com/\n", "https//x.com",
    "https://example.com?q=1", "https://example.com#x", "https://" + "a" * 64 + ".com",
    "https://" + "a" * 63 + ".com", "https://example..com", "https://example.com.",
    "https://" + ".".join(["abcdefghij"] * 24) + ".com", "https://ex_ample.com",
]  # fmt: skip


def _accepted(validator, text: str) -> bool:
    try:
        validator(text)
    except ValidationError:
        return False
    return True


def _random_texts(alphabet: str, seed: int, count: int = 20_000) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 30))) for _ in range(count)]


@pytest.mark.parametrize("text", EMAILS)
def test_a_sure_email_is_one_django_accepts(text):
    if _sure(SURE_EMAIL, text):
        assert _accepted(EMAIL, text)


@pytest.mark.parametrize("text", URLS)
def test_a_sure_url_is_one_django_accepts(text):
    if _sure(SURE_URL, text):
        assert _accepted(URL, text)


def test_the_usual_cells_take_the_cheap_way():
    assert _sure(SURE_EMAIL, "first.last+tag@mail.example.org")
    assert _sure(SURE_URL, "https://n0.example.com/")
    assert not _sure(SURE_EMAIL, "a..b@example.com")
    assert not _sure(SURE_URL, "ftp://example.com")


def test_random_text_never_surely_valid_when_django_refuses_it():
    emails = _random_texts("ab.-_+@9Z ", seed=1)
    emails += ["a@" + t for t in _random_texts("ab.-9", seed=2)]
    sure = [t for t in emails if _sure(SURE_EMAIL, t)]
    assert len(sure) > 100  # the check below has something to hold
    assert all(_accepted(EMAIL, t) for t in sure)
    hosts, paths = _random_texts("ab.-9", seed=3), _random_texts("/ab_.%~-9 :?", seed=4)
    urls = [f"https://{h}.com/{p}" for h, p in zip(hosts, paths, strict=True)]
    sure = [t for t in urls if _sure(SURE_URL, t)]
    assert len(sure) > 100
    assert all(_accepted(URL, t) for t in sure)
