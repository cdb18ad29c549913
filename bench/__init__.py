"""The benchmark of issue 6: ``make bench`` (``python -m bench``).

One machine, loopback only, bounded in time, on throwaway data of its own:
a SQLite file in a temporary folder, a PostgreSQL schema created and dropped
by the run, and a redis-server of its own (or a Redis DB of its own that is
empty or already marked as the bench's). It measures

- ``redirect``: throughput and latency of the redirect under gunicorn with the
  Procfile's web settings, per click-tracking mode, against a bare Flask
  redirect (the ceiling);
- ``ingest``: clicks persisted per second by one worker process;
- ``lag``: redirect to row visible, under steady load at half capacity;
- ``scale``: detail page and dashboard render time at 1,000,000 clicks
  against 1,000 clicks;

prints a table, checks the targets and writes JSON under ``bench/results/``.
"""
