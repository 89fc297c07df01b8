"""Use cases of the matching service: one function each, one transaction each, called by the HTTP views and the
worker alike. Nothing here imports a view or an entrypoint."""
