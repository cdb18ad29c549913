"""The account's settings pages: the logins of the account, and ending them."""
