"""The read-only JSON API v1 (/api/v1/…), its OpenAPI 3.1 document and the /api page."""
