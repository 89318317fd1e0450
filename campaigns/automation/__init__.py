"""Triggers and actions that consume the event outbox (issue 16): the condition language's
`event.<key>` namespace (.conditions), the actions (.actions), the consumer and the firing of
due runs (.consumer), the trigger services (.services) and reads (.selectors)."""
