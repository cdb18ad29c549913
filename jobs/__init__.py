"""RQ job functions: plain functions taking ids and plain data, run in an app context."""
