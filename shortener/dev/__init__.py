"""Local tooling for a checkout: ``make run`` (``devserver``), ``make admin`` (``admin``) and a
redis-server of our own (``embedded_redis``). Left out of the built wheel (setup.cfg)."""
