"""Every page links the site's icon, and /favicon.ico (asked by browsers and crawlers) finds it."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_have_a_favicon(client):
    assert 'rel="icon"' in client.get(reverse("login")).content.decode()
    icon = client.get("/favicon.ico")
    assert icon.status_code == 301 and icon["Location"].endswith("favicon.svg")
