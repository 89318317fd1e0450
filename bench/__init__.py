"""Atrium's performance harness (issue 2): a data generator and scenario timings. Not part of
`make test`; see bench/README.md."""
