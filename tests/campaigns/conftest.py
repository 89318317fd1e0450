"""Campaign fixtures: customers with a custom field and tags, an email campaign with its
content, a template, clients signed in as a manager or an agent, tenant B's own campaign world,
and a real HTTP server on loopback (the SMTP server is in tests/conftest.py)."""

import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from campaigns.models import CampaignChannel, CampaignStatus, CampaignTemplate, CampaignType
from crm.services.customers import customer_create
from customfields.services.definitions import definition_create
from tenancy.actors import OPERATOR
from tenancy.services.config_entries import config_entry_create, spec_for
from tests.campaigns.factories import CampaignFactory
from tests.campaigns.foreign import build


def make_customers(tenant, rows):
    return [
        customer_create(
            tenant=tenant,
            by=OPERATOR,
            data={k: v for k, v in row.items() if k not in ("tags", "custom")},
            tags=row.get("tags", ()),
            custom_fields=row.get("custom"),
        )
        for row in rows
    ]


@pytest.fixture
def loyalty(tenant_a):
    return definition_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={
            "field_key": "loyalty_points",
            "field_label": "Loyalty points",
            "field_type": "number",
        },
    )


@pytest.fixture
def customers(tenant_a, loyalty):
    """Ada and Bob have email and phone; Cy has neither; Dee only a phone."""
    return make_customers(
        tenant_a,
        [
            {
                "first_name": "Ada",
                "last_name": "Lovelace",
                "email": "ada@example.org",
                "phone": "+441234567890",
                "tags": ["vip"],
                "custom": {"loyalty_points": 120},
            },
            {
                "first_name": "Bob",
                "last_name": "<b>Builder</b>",
                "email": "bob@example.org",
                "phone": "+441234567891",
                "custom": {"loyalty_points": 5},
            },
            {"first_name": "Cy", "last_name": "Nocontact"},
            {"first_name": "Dee", "phone": "+441234567893", "tags": ["vip"]},
        ],
    )


def channel(tenant, code):
    return CampaignChannel.objects.get(tenant=tenant, channel_code=code)


def status(tenant, code):
    return CampaignStatus.objects.get(tenant=tenant, status_code=code)


EMAIL_BODY = (
    "<p>Hello {{ first_name }} {{ last_name }}, you have {{ custom.loyalty_points }} points.</p>"
    '<p><a href="https://shop.example/offer?x=1&amp;y=2">See the offer</a></p>'
)


@pytest.fixture
def email_campaign(tenant_a, customers):
    return CampaignFactory(
        tenant=tenant_a,
        name="Spring sale",
        budget=100,
        channels=[channel(tenant_a, "EMAIL")],
        contents=[
            {
                "channel": channel(tenant_a, "EMAIL"),
                "subject": "Hi {{ first_name }}",
                "body": EMAIL_BODY,
            }
        ],
    )


class World:
    pass


@pytest.fixture
def foreign(tenant_b):
    """Tenant B's own type, channel, status, budget type, template and launched campaign."""
    world = World()
    build(world, tenant_b)
    return world


@pytest.fixture
def as_manager(client, manager_a):
    client.force_login(manager_a.user)
    return client


@pytest.fixture
def as_agent(client, agent_a):
    client.force_login(agent_a.user)
    return client


@pytest.fixture
def template_a(tenant_a):
    return config_entry_create(
        spec_for(CampaignTemplate),
        by=OPERATOR,
        tenant=tenant_a,
        data={
            "template_name": "Welcome offer",
            "campaign_type": CampaignType.objects.get(tenant=tenant_a, type_code="EMAIL_BLAST"),
            "default_channels": ["EMAIL"],
            "default_budget": Decimal("250"),
            "content": {"EMAIL": {"subject": "Hi {{ first_name }}", "body": "Welcome!"}},
        },
    )


class Provider:
    """What the HTTP provider received; `fail_next` makes it answer 500 that many times."""

    def __init__(self):
        self.requests = []
        self.fail_next = 0
        self.url = ""


@pytest.fixture
def http_provider():
    provider = Provider()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if provider.fail_next:
                provider.fail_next -= 1
                self.send_response(500)
                self.end_headers()
                return
            provider.requests.append({"headers": dict(self.headers), "json": body})
            answer = json.dumps({"id": f"prov-{len(provider.requests)}"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    provider.url = f"http://127.0.0.1:{server.server_address[1]}/messages"
    yield provider
    server.shutdown()
    server.server_close()


@pytest.fixture
def sms_channel(tenant_a, http_provider):
    from campaigns.services.catalogue import CHANNELS
    from tenancy.services.config_entries import config_entry_create

    return config_entry_create(
        CHANNELS,
        by=OPERATOR,
        tenant=tenant_a,
        data={
            "channel_code": "SMS",
            "channel_name": "SMS",
            "kind": "sms",
            "cost_per_message": "0.05",
            "integration_key": "sk-live-very-secret",
            "webhook_secret": "whsec-shared",
            "integration_data": {"backend": "http", "endpoint": http_provider.url},
        },
    )
