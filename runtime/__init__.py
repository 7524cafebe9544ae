"""What the web app and the publisher both stand on.

Configuration, the database and Flask extensions, readiness probes, the signing key store,
and the base app they are attached to.
"""
