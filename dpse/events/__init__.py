"""Events: meetups and conferences, registration, waitlists and calendars."""
