"""Accounts: users, organisations, sign-in, profiles and user administration."""
