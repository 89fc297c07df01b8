"""Exact matching as a min-cost flow (OR-Tools): the aggregated graph, solving it part by part, reading the
pairs back, and the reference baselines it is checked and measured against."""
