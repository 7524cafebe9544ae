"""The HTTP edge: the public site, /api/v1, the admin console and API, and the feed files.

Also error mapping, security headers and hostile-input guards.
"""
