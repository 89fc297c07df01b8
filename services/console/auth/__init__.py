"""Accounts of the console: passwords, sessions, sign-in limits, invitations and one-time links."""
