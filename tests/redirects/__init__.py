"""Tests of shortener/redirects/."""
