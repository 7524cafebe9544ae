"""Flask extensions, created once and bound to the app in `create_app`."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Session

from registry.models import Base
from runtime.read_replica import RoutingSession

# Public read requests go to the read replica when one is configured (runtime/read_replica.py).
db = SQLAlchemy(model_class=Base, session_options={"class_": RoutingSession})
migrate = Migrate()
# Per-client-address limits by default; API routes key by API key instead.
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


def session() -> Session:
    """The current request's (or app context's) database session, typed as a plain Session."""
    # db.session is a scoped_session proxy; calling it returns the context's real Session.
    return db.session()
