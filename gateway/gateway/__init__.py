"""Nestegg gateway: the public API in front of the services."""
