"""The demo tenant's external events: purchases and visits its shop reported through
`POST events/` (crm.services.events.event_record), so the events list and the automation have
something to show. Its own random stream: the other demo data stay as they were."""

import random
from datetime import timedelta

from django.utils import timezone

from tenancy.models import Membership, Tenant

from .models import Customer
from .services.events import event_record

PRODUCTS = [("SOFA-2", 899), ("LAMP-7", 59), ("RUG-3", 240), ("DESK-1", 420)]


def seed_demo_events(*, tenant: Tenant, by: Membership, count: int = 16) -> None:
    rng = random.Random(16)
    customers = list(Customer.objects.for_tenant(tenant).order_by("pk")[:12])
    if not customers:
        return
    now = timezone.now()
    for n in range(count):
        customer = rng.choice(customers)
        when = now - timedelta(days=rng.randint(0, 30), hours=rng.randint(0, 23))
        if n % 4 == 3:
            event_record(
                tenant=tenant,
                by=by,
                customer=customer,
                event_type="site_visit",
                data={"page": rng.choice(["/pricing", "/catalogue", "/contact"])},
                occurred_at=when,
            )
            continue
        sku, price = rng.choice(PRODUCTS)
        quantity = rng.randint(1, 3)
        event_record(
            tenant=tenant,
            by=by,
            customer=customer,
            event_type="purchase",
            data={"sku": sku, "quantity": quantity, "amount": price * quantity},
            occurred_at=when,
            event_id=f"demo-order-{1000 + n}",
        )
