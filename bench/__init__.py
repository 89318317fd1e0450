"""Atrium's performance harness: lib/ holds what every scenario shares, and each scenario is a
package with its data generator and its timings (leads, milestones, customfields, campaigns).
Not part of `make test`; see bench/README.md."""
