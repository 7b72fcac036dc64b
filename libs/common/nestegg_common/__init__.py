"""Shared building blocks of every Nestegg process."""
