"""User accounts: the user model (email login), allauth policy and email addresses."""
