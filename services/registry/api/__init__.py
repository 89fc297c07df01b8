"""The registry's HTTP views: thin handlers that parse the request, call a use case and shape the answer.

`routes.build_api` is the token-protected API under /api/v1; `public.build_public` is the bank of mentors
and the dictionaries, open to anyone. Request and response models live in `schemas`.
"""
