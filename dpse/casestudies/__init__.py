"""Case studies: what public-sector teams built, what worked and what did not."""
