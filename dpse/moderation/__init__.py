"""Moderation: one queue for case-study reviews, flags and held posts, and the audit log."""
