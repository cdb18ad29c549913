"""Tests of shortener/settings/."""
