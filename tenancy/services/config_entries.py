"""Writes for code-addressed configuration (tenancy.models.config.ConfigEntry), written once for
lead sources, sub-sources and channels, milestone types and templates, and the campaign
catalogue.

The rules:
- the code is unique per tenant among live rows (the model's partial unique constraint), so a
  soft-deleted entry's code can be created again;
- a model with a flag (`ConfigEntry.flag_field`: the default source, the initial status) has at
  most one live holder per tenant; giving the flag to an entry takes it from the old holder, and
  the holder cannot unset it, be inactive, be deactivated or be deleted until another entry
  takes the flag; the first live entry gets the flag unless the spec says it is always chosen;
- deleting is soft: the row stays, so what refers to it keeps its history;
- only the tenant's admins (or an operator) write configuration.

Each model declares a ConfigSpec: its writable fields (the serializer and admin field lists come
from the same spec), its labels, and hooks for the rules only it has (a type that is a step of a
template cannot be deactivated; deleting a source deletes its sub-sources; …).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from ..actors import Actor, actor_user, require_role
from ..caching import bump_figures
from ..models import Role, Tenant
from ..models.config import ConfigEntry
from .common import assign_fields, reverted_on_refusal, save_validated

COMMON_FIELDS = ("description", "display_order", "is_active", "metadata")
CONFIG_WRITE_ROLES = (Role.ADMIN,)


@dataclass(frozen=True)
class ConfigSpec:
    """How one kind of configuration entry is written.

    `fields` are the writable fields in the order the API shows them (COMMON_FIELDS are added).
    `noun` names one entry in messages ("source"); the flag's holder is called
    "the {flag_noun}" ("default source"). Hooks, each optional:
    - `initial(data) -> data`: defaults for a new entry's data (a source's score bonus);
    - `check(entry, changes)`: rules only this model has, before saving;
    - `guard(entry, action)`: refuse "deactivated" or "deleted" (raise ValidationError);
    - `on_delete(entry)`: what goes with a deleted entry (a source's sub-sources);
    - `on_update(entry, changes)`: what follows a saved change (kept copies of a field).
    `figures_scope`: the tenant's cached figures (tenancy.caching) that show these entries (a
    source's name, a sub-source's cost per lead) and go stale when one is written."""

    model: type[ConfigEntry]
    fields: tuple[str, ...]
    noun: str
    flag_noun: str = ""
    flag_implied: bool = True
    initial: Callable[[dict], dict] | None = None
    check: Callable[[ConfigEntry, Mapping[str, tuple]], None] | None = None
    guard: Callable[[ConfigEntry, str], None] | None = None
    on_delete: Callable[[ConfigEntry], None] | None = None
    on_update: Callable[[ConfigEntry, Mapping[str, tuple]], None] | None = None
    figures_scope: str = ""
    writable: frozenset[str] = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "fields", (*self.fields, *COMMON_FIELDS))
        object.__setattr__(self, "writable", frozenset(self.fields))

    @property
    def flag(self) -> str | None:
        return self.model.flag_field

    def live(self, tenant: Tenant) -> models.QuerySet:
        return self.model.objects.for_tenant(tenant).live()


_SPECS: dict[type[models.Model], ConfigSpec] = {}


def register(spec: ConfigSpec) -> ConfigSpec:
    _SPECS[spec.model] = spec
    return spec


def spec_for(model_or_entry: type[models.Model] | models.Model) -> ConfigSpec:
    model = model_or_entry if isinstance(model_or_entry, type) else type(model_or_entry)
    return _SPECS[model]


def _check_writer(by: Actor, tenant: Tenant, spec: ConfigSpec) -> None:
    require_role(
        by,
        tenant=tenant,
        roles=CONFIG_WRITE_ROLES,
        message=f"Only the tenant's admins change its {spec.model._meta.verbose_name_plural}.",
    )


def _refuse_if_flagged(entry: ConfigEntry, spec: ConfigSpec, action: str) -> None:
    if spec.flag and getattr(entry, spec.flag):
        raise ValidationError(
            {
                spec.flag: [
                    f"The {spec.flag_noun} cannot be {action}; make another {spec.noun} the "
                    f"{spec.flag_noun} first."
                ]
            }
        )


def _save(entry: ConfigEntry, spec: ConfigSpec, *, was_flagged: bool, changes: Mapping) -> None:
    if spec.flag:
        flagged = getattr(entry, spec.flag)
        if was_flagged and not flagged:
            raise ValidationError(
                {
                    spec.flag: [
                        f"Make another {spec.noun} the {spec.flag_noun} instead of unsetting "
                        "this one."
                    ]
                }
            )
        if flagged and not entry.is_active:
            raise ValidationError({"is_active": [f"The {spec.flag_noun} cannot be inactive."]})
    if spec.check:
        spec.check(entry, changes)
    if spec.flag and getattr(entry, spec.flag):
        spec.live(entry.tenant).filter(**{spec.flag: True}).exclude(pk=entry.pk).update(
            **{spec.flag: False}
        )
    save_validated(entry)
    _figures_changed(entry, spec)


def _figures_changed(entry: ConfigEntry, spec: ConfigSpec) -> None:
    if spec.figures_scope:
        bump_figures(entry.tenant_id, spec.figures_scope)


def refusal(entry: ConfigEntry, action: str) -> ValidationError | None:
    """Why `entry` cannot be "deactivated" or "deleted", or None when it can."""
    spec = spec_for(entry)
    try:
        _refuse_if_flagged(entry, spec, action)
        if spec.guard:
            spec.guard(entry, action)
    except ValidationError as exc:
        return exc
    return None


@transaction.atomic
def config_entry_create(
    spec: ConfigSpec, *, tenant: Tenant, data: dict, by: Actor, **parents: Any
) -> ConfigEntry:
    """A new entry of `spec.model` from `data` (only `spec.fields`); `parents` are the foreign
    keys the URL gives (a sub-source's source)."""
    _check_writer(by, tenant, spec)
    data = dict(data)
    if spec.initial:
        data = spec.initial(data)
    entry = spec.model(tenant=tenant, created_by=actor_user(by), **parents)
    changes = assign_fields(entry, data, allowed=spec.writable)
    if (
        spec.flag
        and spec.flag_implied
        and not spec.live(tenant).filter(**{spec.flag: True}).exists()
    ):
        setattr(entry, spec.flag, True)
    _save(entry, spec, was_flagged=False, changes=changes)
    return entry


@transaction.atomic
def config_entry_update(entry: ConfigEntry, *, data: dict, by: Actor) -> ConfigEntry:
    spec = spec_for(entry)
    _check_writer(by, entry.tenant, spec)
    was_flagged = bool(spec.flag and getattr(entry, spec.flag))
    changes = assign_fields(entry, dict(data), allowed=spec.writable)
    if "is_active" in changes and not entry.is_active and spec.guard:
        spec.guard(entry, "deactivated")
    with reverted_on_refusal(entry):
        _save(entry, spec, was_flagged=was_flagged, changes=changes)
    if spec.on_update and changes:
        spec.on_update(entry, changes)
    return entry


@transaction.atomic
def config_entry_deactivate(entry: ConfigEntry, *, by: Actor) -> ConfigEntry:
    """An inactive entry is offered for nothing new; what already uses it keeps it."""
    spec = spec_for(entry)
    _check_writer(by, entry.tenant, spec)
    problem = refusal(entry, "deactivated")
    if problem:
        raise problem
    entry.is_active = False
    entry.save(update_fields=["is_active", "updated_at"])
    _figures_changed(entry, spec)
    return entry


@transaction.atomic
def config_entry_delete(entry: ConfigEntry, *, by: Actor) -> None:
    """Soft delete: the row stays for what refers to it, and its code can be created again."""
    spec = spec_for(entry)
    _check_writer(by, entry.tenant, spec)
    problem = refusal(entry, "deleted")
    if problem:
        raise problem
    if spec.on_delete:
        spec.on_delete(entry)
    entry.mark_deleted()
    entry.save(update_fields=["deleted_at", "is_active", "updated_at"])
    _figures_changed(entry, spec)
