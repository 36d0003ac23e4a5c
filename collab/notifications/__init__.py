"""Notifications: the in-app list, e-mail (at once or as a daily digest), invitations and
password-reset links. :func:`services.notify` is the one entry point for other features."""
