"""What every bench scenario shares: Django set-up on a dedicated database (`setup`,
`createdb`), timing and percentiles (`timing`), the per-request SQL log and EXPLAIN
(`querylog`), table and index sizes and VACUUM (`tables`), COPY for the data generators
(`copy`), the machine and server the figures came from (`environment`), weighted random choice
and tenant sizes (`sampling`) and the word lists of realistic data (`vocabulary`)."""
