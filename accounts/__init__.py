"""User accounts: the custom user, API keys, TOTP, sessions and trusted devices; login views."""
