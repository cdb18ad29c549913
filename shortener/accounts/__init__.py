"""Accounts: users and their passwords, password-reset tokens, and the mail they get."""
