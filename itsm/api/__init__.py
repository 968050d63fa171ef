"""The REST API's shared parts (DESIGN §6): authentication, throttling, idempotent POSTs,
errors, pagination, the OpenAPI schema conventions, and the /api/v1/ URL root."""
