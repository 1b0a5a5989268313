"""Notifications: follow threads, case studies, events and tags; in-app notices and emails."""
