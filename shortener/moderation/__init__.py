"""Moderation: admins disable or delete users and links, and every such action is audited."""
