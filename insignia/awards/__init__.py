"""Issued badges (OB Assertion / AchievementCredential): issue, revoke, expire, accept."""
