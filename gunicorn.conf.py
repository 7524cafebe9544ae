"""Gunicorn settings read from the working directory: access log without full ID numbers."""

logger_class = "server.gunicorn_logging.ScrubbingLogger"
