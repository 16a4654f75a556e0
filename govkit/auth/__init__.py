"""Authentication and authorisation: security manager, roles, directory logins."""
