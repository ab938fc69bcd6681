"""Notifications: the transactional outbox, email delivery, the local outbox and reminders."""
