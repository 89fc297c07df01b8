"""The registry's adapters: its tables, the encoding of its events, its queries and its file writers."""
