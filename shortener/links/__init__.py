"""Links: the dashboard, create, edit, delete and per-link stats."""
