"""Adapters of the matching service: its tables, loading problems from them, writing back, read-model events."""
