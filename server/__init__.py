"""The composition root: the app factory that joins the API, the publisher and the commands.

Also the `registry` console script (`server.main`).
"""
