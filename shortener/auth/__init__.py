"""Sign-up, login, logout and password reset pages."""
