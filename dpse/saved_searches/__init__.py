"""Saved searches: keep a search and hear (at most daily) when new content matches it."""
