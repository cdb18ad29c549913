"""Account settings pages: personal API tokens."""
