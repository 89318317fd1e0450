"""The milestones scenario: about 5,000,000 milestones over the leads scenario's 1,000,000 leads
(`generate`, `histories`), then the milestone analytics and a lead's timeline timed for the
largest tenant (`run`), with the bottlenecks checked against Python over the rows
(`baseline`)."""
