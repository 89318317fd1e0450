"""Campaign launch and sending benchmark: `python -m bench.campaigns.run` (docs/benchmarks.md)."""
