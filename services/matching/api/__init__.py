"""The matching HTTP API: views and their request and response schemas, as published in OpenAPI."""
