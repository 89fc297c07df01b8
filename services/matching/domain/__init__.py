"""The pure rules of matching: vocabulary, weights, the problem arrays, eligibility, costs, explanations,
suggestions, unmatched reasons, the pair workflow, programs and the order document.

Nothing here imports a web, database or broker library, not even transitively.
"""
