"""Operations: the admin-only status page and its actions."""
