"""Request and response models of the registry API (validated by flask-openapi3, published in OpenAPI)."""
