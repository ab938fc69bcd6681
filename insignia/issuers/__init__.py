"""Issuer organisations and their staff roles."""
