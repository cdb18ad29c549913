"""The JSON API under /api/v1: personal tokens, schemas, errors, the OpenAPI document, routes."""
