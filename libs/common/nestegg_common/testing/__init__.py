"""Test helpers shared by every Nestegg test suite (a pytest plugin lives in `postgres`)."""
