"""xwebhook CLI (placeholder)."""
