"""Local tooling: ``make run`` (``devserver``) and a redis-server of our own."""
