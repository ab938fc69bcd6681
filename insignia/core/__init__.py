"""Shared foundations: the base model, opaque public ids, audit events and errors."""
