"""The customer timeline bench: a customer with 10,000 events in a 200K-customer tenant."""
