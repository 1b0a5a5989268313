"""Forum: categories, threads and posts, also serving as comments on case studies and events."""
