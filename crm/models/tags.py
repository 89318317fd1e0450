"""Tags: one vocabulary per tenant, shared by leads and customers (linked by id through the
LeadTag and CustomerTag tables, so a rename is one row). Names are lower-cased by the services;
how many customers and leads carry a tag is counted by crm.selectors.tags, never stored."""

import zlib

from django.db import models
from django.utils import timezone

from tenancy.models.config import color_validator
from tenancy.models.tenants import TenantOwned
from tenancy.validators import capped_text_field

# The colours a new tag picks from (by its name, so the same name gets the same colour in every
# tenant and on every run): distinct, and dark enough for white text on a chip.
TAG_PALETTE = (
    "#2563eb",
    "#16a34a",
    "#dc2626",
    "#9333ea",
    "#ea580c",
    "#0891b2",
    "#db2777",
    "#4d7c0f",
    "#b45309",
    "#475569",
)
TAG_DESCRIPTION_MAX_LENGTH = 500


# Where a list's prefetch puts each row's tags (`listed_tags()`): a plain list, where
# `row.tags.all()` would build a related manager per row.
LISTED_TAGS = "listed_tags"


def listed_tags() -> models.Prefetch:
    """The tags of a page of leads or customers, name and colour only, as `row.listed_tags`
    (which their `tag_names()` reads)."""
    return models.Prefetch("tags", queryset=Tag.objects.only("name", "color"), to_attr=LISTED_TAGS)


def names_of(row, tags) -> list[str]:
    """The sorted tag names of a lead or customer: its listed tags when a list prefetched them,
    else `tags` (its related manager)."""
    listed = getattr(row, LISTED_TAGS, None)
    return sorted(tag.name for tag in (tags.all() if listed is None else listed))


def palette_color(name: str) -> str:
    """The palette's colour for a new tag called `name`."""
    return TAG_PALETTE[zlib.crc32(name.encode()) % len(TAG_PALETTE)]


class Tag(TenantOwned):
    name = models.CharField(max_length=50)
    color = models.CharField(
        max_length=7,
        default=TAG_PALETTE[0],
        validators=[color_validator],
        help_text="A colour like #3498db.",
    )
    description = capped_text_field(TAG_DESCRIPTION_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="tag_unique_name")]

    def __str__(self) -> str:
        return self.name
