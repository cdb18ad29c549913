"""Accounts: users and their passwords, sign-ups, logins and the networks they came from,
password-reset tokens, and the mail they get."""
