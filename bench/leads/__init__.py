"""The leads scenario: 1,000,000 leads over 50 tenants (`generate`), then the leads API timed
for the largest tenant (`run`). The milestones scenario builds on this data set."""
