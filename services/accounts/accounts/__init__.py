"""Nestegg accounts service: users, credentials, profiles and tokens."""
