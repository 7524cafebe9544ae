"""Administrator accounts: users and roles, password hashing, second factor, login throttling."""
