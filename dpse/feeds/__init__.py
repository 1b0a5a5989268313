"""Feeds for machines: Atom feeds of public content, the sitemap and robots.txt."""
