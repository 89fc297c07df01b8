"""The reports' pure rules: facts, periods, targets, the indicator formulas and the self-assessment.

Nothing here reads a database, a clock or the network, and nothing imports a web, database or broker library.
"""
