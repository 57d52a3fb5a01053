"""The local web console `make run` serves (see server.py): deliveries with their headers, signature and
counts (resend one), live events, webhook health, queues, accounts, sample deliveries. Its page and routes
are xwebhook.cli.console's. Never deployed."""
