"""xwebhook: a receiver for X (Twitter) webhooks on AWS Lambda.

This package is the logic the thin handlers in functions/ call. It is shipped to Lambda as a layer.
Keep this file free of imports: the crc function pays for every module it loads on each cold start.
"""
