"""Writes for callbacks, one module per concern: `settings` (the tenant's callback settings and
holidays), `requests` (create and edit a request, its notes and activity log), `status` (moves
through the statuses and the result of a call) and `assignment` (assign, claim the next one,
auto-assign the waiting ones).

Every write takes its actor as `by` and checks the actor's role itself (callbacks.rules); a role
that may not act raises PermissionDenied, bad input or a refused move raises ValidationError,
both before anything is written. Every change lands in the request's activity log.
"""
