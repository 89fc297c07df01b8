"""The registry's use cases: one function each, one transaction each, called by the HTTP views and the CLI alike.

Each takes the caller's unit of work and principal, checks the caller's role and scope, writes its rows, its
audit record and its events in that one transaction, and returns what the caller shows.
"""
