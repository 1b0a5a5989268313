"""The open-data download: all public content as CSV and JSON Lines in one ZIP, with a data
dictionary, written by `dpse open-data export` (cron) and offered at /open-data."""
