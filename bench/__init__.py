"""The benchmark of issue 6: ``make bench`` (``python -m bench``); see bench/README.md.

One machine, loopback only, bounded in time, on throwaway data of its own.
"""
