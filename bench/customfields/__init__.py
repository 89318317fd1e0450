"""The custom-field benchmark (issue 3): 1,000,000 customers over 50 tenants with ~20 filled
custom fields each, timed on our 90 typed slots under several index strategies and side by side
with three baselines built from the same data (EAV, JSONB + GIN, 90 full indexes). See
bench/customfields/README.md and docs/benchmarks.md."""
