"""The one htmx helper: a fragment only for htmx's own requests (a history restore wants the
whole page), and `Vary: HX-Request` wherever the same URL answers with either."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.views.generic import TemplateView

from tenancy.htmx import HtmxPartialMixin, htmx_redirect, is_htmx, vary_on_htmx

HTMX = {"HTTP_HX_REQUEST": "true"}
RESTORE = {"HTTP_HX_REQUEST": "true", "HTTP_HX_HISTORY_RESTORE_REQUEST": "true"}


@pytest.mark.parametrize(
    "headers, expected",
    [
        ({}, False),
        (HTMX, True),
        (RESTORE, False),
        ({"HTTP_HX_HISTORY_RESTORE_REQUEST": "true"}, False),
        ({"HTTP_HX_REQUEST": ""}, False),
    ],
)
def test_is_htmx_is_true_only_for_a_fragment_request(headers, expected):
    assert is_htmx(RequestFactory().get("/", **headers)) is expected


class Page(HtmxPartialMixin, TemplateView):
    template_name = "page.html"
    partial_template_name = "_part.html"

    def render_to_response(self, context, **kwargs):
        return HttpResponse(",".join(self.get_template_names()))


@pytest.mark.parametrize(
    "headers, template", [({}, "page.html"), (HTMX, "_part.html"), (RESTORE, "page.html")]
)
def test_the_mixin_picks_the_template_and_varies_on_htmx(headers, template):
    response = Page.as_view()(RequestFactory().get("/", **headers))
    assert response.content.decode() == template
    assert "HX-Request" in response["Vary"]


def test_vary_keeps_what_was_there():
    response = HttpResponse()
    response["Vary"] = "Cookie"
    assert vary_on_htmx(response)["Vary"] == "Cookie, HX-Request"


def test_the_redirect_htmx_follows():
    response = htmx_redirect("/leads/7/")
    assert response.status_code == 204 and response["HX-Redirect"] == "/leads/7/"
