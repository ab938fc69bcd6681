"""Test support shared by every app's tests: factories and small image builders."""
