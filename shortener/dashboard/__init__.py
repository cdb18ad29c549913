"""The pages that show links with their clicks: the dashboard and each link's page.

Apart from ``links`` because they read both features: clicks are of links, so ``clicks``
imports ``links``, and only this package, above both, may put them on one page.
"""
