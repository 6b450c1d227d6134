"""Accounts: sign-up, sign-in, bearer tokens, invitations, roles and guards."""
