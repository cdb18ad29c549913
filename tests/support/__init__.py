"""What the tests and the bench share (not part of the installed package): the app's base
config and click counts (``harness``), the Procfile's lines (``procfile``), a throwaway
PostgreSQL schema (``postgres``), a local web server of test pages (``pages``)."""
