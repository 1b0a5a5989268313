"""Search: one Whoosh index over case studies, events and discussions; imports no domain."""
