"""The CRM pages, one module per entity: leads, customers (and converting a lead), source
performance; `base` holds what they share. Thin views: reads through the selectors, writes
through the services, every one on TenantPageMixin (sign-in and a tenant required)."""
