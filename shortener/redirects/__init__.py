"""The public redirect: the hottest route of the product."""
