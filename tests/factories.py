"""Factories for tests and the benchmark. Leads are made through the ORM (fast, exact
timestamps); tests of the lead services call the services directly."""

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from crm.models import Lead, LeadSource, LeadStatus
from tenancy.models import Membership, Role
from tenancy.services.tenants import tenant_create


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pass-word-1")


def make_tenant(slug: str, **kwargs):
    """A tenant with every app's defaults but no custom fields (tests define their own)."""
    kwargs.setdefault("industry_template", False)
    return tenant_create(slug=slug, name=kwargs.pop("name", slug.title()), **kwargs)


def make_member(tenant, username: str, role: str = Role.AGENT) -> Membership:
    user = UserFactory(username=username)
    membership = Membership.objects.create(tenant=tenant, user=user, role=role)
    if role == Role.ADMIN:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return membership


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"lead{n}@example.com")
    status = LeadStatus.NEW
    source = factory.LazyAttribute(
        lambda o: LeadSource.objects.get(tenant=o.tenant, is_default=True, deleted_at__isnull=True)
    )
    created_at = factory.LazyFunction(timezone.now)
