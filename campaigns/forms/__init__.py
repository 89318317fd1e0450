"""Forms of the campaign pages, one module per part of the builder: `campaigns` (basic info,
schedule, list filters, creating from a template), `content` (the variants and the preview),
`audience` (the rule editor and the JSON editor). They turn posted text into typed values and
offer only the request's tenant's choices; what may be saved (budget guidelines, tags, the
status's editing rule, the audience condition) is judged by the services, whose errors come back
through `add_service_errors` or `service_messages`."""
