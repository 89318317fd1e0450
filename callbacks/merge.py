"""callbacks' part of a customer merge (crm.services.merge): the duplicates' callback requests
become the kept customer's. Registered by CallbacksConfig.ready."""

from collections.abc import Sequence

from crm.services.merge import MergeMove, MergeMover, on_customer_merge
from tenancy.models import Tenant

from .models import CallbackRequest


def _count(tenant: Tenant, ids: Sequence[int]) -> dict[str, int]:
    return {"callbacks": CallbackRequest.objects.filter(tenant=tenant, customer_id__in=ids).count()}


def _move(move: MergeMove) -> dict[str, int]:
    moved = CallbackRequest.objects.filter(
        tenant=move.tenant, customer_id__in=move.duplicate_ids
    ).update(customer=move.keep)
    return {"callbacks": moved}


def register_merge() -> None:
    on_customer_merge(
        MergeMover(
            name="callbacks",
            relations=("callbacks.CallbackRequest.customer",),
            words={"callbacks": ("callback", "callbacks")},
            count=_count,
            move=_move,
        )
    )
