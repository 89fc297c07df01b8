"""The registry's pure rules: who may write, how a record changes, which imported rows a caller may load.

No web, database or broker library here, also transitively (tests/unit/test_architecture.py walks it).
"""
