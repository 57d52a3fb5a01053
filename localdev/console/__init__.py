"""The local web console `make run` serves (see server.py): live events, webhook health, queues, accounts,
sample deliveries. Never deployed."""
