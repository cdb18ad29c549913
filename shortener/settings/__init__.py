"""The account's settings pages: its logins (and ending them) and personal API tokens."""
