"""RQ plumbing: Redis clients, queues, the worker classes and the periodic schedule."""
