"""Staff accounts: users, server-side sessions, CSRF, login rate limiting and the audit log."""
