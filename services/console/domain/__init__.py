"""The console's pure rules (no web, database or broker): who is reminded of what."""
