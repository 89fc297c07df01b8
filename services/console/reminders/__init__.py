"""Reminders that reach people: the daily digest e-mail of `mentoring remind` (console side)."""
