"""Tests of shortener/redirects."""
