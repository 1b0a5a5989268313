"""Tags: one shared vocabulary of technologies and topics for case studies, events and threads."""
