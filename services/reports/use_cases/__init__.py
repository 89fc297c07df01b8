"""The reports' use cases: one function per use case, one transaction each, called by views and the CLI alike."""
