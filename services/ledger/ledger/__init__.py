"""Nestegg ledger service."""
