"""What may happen to a callback request, and who may do it: the status graph and the role rules.

Plain functions over a membership and a request, without queries. The services enforce them
before they write; the selectors use them to tell the pages which actions to offer, so a page
never offers what the service would refuse. A refusal raises PermissionDenied (the role may not
act) or ValidationError (the request is not in a state that allows it).

Statuses move pending → scheduled → in_progress → completed / failed / cancelled (the graph in
TRANSITIONS); "no answer" is logged on a call in progress and returns the request to pending.
"""

from django.core.exceptions import PermissionDenied, ValidationError

from tenancy.actors import Actor, Operator
from tenancy.models import Membership, Role, Tenant

from .models import CallbackRequest, CallbackStatus

S = CallbackStatus
# Members a callback can be assigned to (and who may claim one).
ASSIGNABLE_ROLES = (Role.AGENT, Role.MANAGER)
# Where each status may move (a status update or the result of a call). Scheduled → scheduled
# moves the appointment. In progress → pending happens only through NO_ANSWER.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.PENDING: (S.SCHEDULED, S.IN_PROGRESS, S.CANCELLED),
    S.SCHEDULED: (S.PENDING, S.SCHEDULED, S.IN_PROGRESS, S.CANCELLED),
    S.IN_PROGRESS: (S.COMPLETED, S.FAILED, S.CANCELLED),
    S.COMPLETED: (),
    S.FAILED: (),
    S.CANCELLED: (),
}
# Who holds a request can change only while it waits.
ASSIGNABLE_STATUSES = (S.PENDING, S.SCHEDULED)
NO_ANSWER = "no_answer"
# What the status update accepts: a status, or "no_answer" for an unanswered call.
STATUS_ACTIONS = (*CallbackStatus.values, NO_ANSWER)


def check_member(by: Membership, tenant: Tenant) -> None:
    """An actor acts only in its own tenant."""
    if by.tenant_id != tenant.pk:
        raise PermissionDenied("You act only in your own tenant.")


def allowed_actions(status: str) -> tuple[str, ...]:
    """What a request in `status` accepts: the statuses it may move to, and NO_ANSWER during a
    call."""
    moves = TRANSITIONS[status]
    return (*moves, NO_ANSWER) if status == S.IN_PROGRESS else moves


def check_move(callback: CallbackRequest, action: str) -> None:
    """The request's status accepts `action`, or a ValidationError says what it accepts."""
    allowed = allowed_actions(callback.status)
    if action in allowed:
        return
    label = callback.get_status_display().lower()
    if action == NO_ANSWER:
        problem = f"No answer is logged on a call in progress; this callback is {label}."
    elif not allowed:
        problem = f"This callback is {label}; it cannot change any more."
    else:
        problem = (
            f"This callback is {label}: it cannot become {action}; "
            f"it can become {', '.join(allowed)}."
        )
    raise ValidationError({"status": [problem]})


def check_worker(callback: CallbackRequest, by: Actor, action: str) -> None:
    """The call is made by whoever the request is assigned to (starting an unassigned one takes
    it); otherwise agents act only on their own requests, managers and admins on any. The
    operator makes no calls and may take any other action."""
    assignee = callback.assigned_to_id
    system = isinstance(by, Operator)
    if action == S.IN_PROGRESS:
        if assignee is None and (system or by.role not in ASSIGNABLE_ROLES):
            raise PermissionDenied("Callbacks are called by agents and managers.")
        if assignee is not None and (system or assignee != by.user_id):
            raise ValidationError(
                {"status": [f"Assigned to {callback.assigned_to}; reassign it to call it."]}
            )
    elif not system and not by.can_manage and assignee != by.user_id:
        raise PermissionDenied("Agents work only the callbacks assigned to them.")


def may_claim(by: Membership) -> bool:
    return by.role in ASSIGNABLE_ROLES


def check_claims(by: Membership) -> None:
    if not may_claim(by):
        raise PermissionDenied("Callbacks are claimed by agents and managers.")


def may_assign(by: Membership, callback: CallbackRequest | None = None) -> bool:
    """Managers and admins assign callbacks; a request only while it waits (pending or
    scheduled)."""
    return by.can_manage and (callback is None or callback.status in ASSIGNABLE_STATUSES)


def check_assigns(by: Membership) -> None:
    if not may_assign(by):
        raise PermissionDenied("Only managers and admins assign callbacks.")


def may_see_figures(by: Membership) -> bool:
    """The SLA figures and each agent's load are for managers and admins."""
    return by.can_manage


def check_sees_figures(by: Membership) -> None:
    if not may_see_figures(by):
        raise PermissionDenied("The SLA view is for managers and admins.")


def check_configures(by: Membership, tenant: Tenant) -> None:
    """The tenant's callback settings and holidays are its admins' (a superuser acts as one)."""
    check_member(by, tenant)
    if not (by.is_admin or (by.user.is_superuser and by.user.is_active)):
        raise PermissionDenied("Only the tenant's admins change its callback settings.")
