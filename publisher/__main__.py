"""`python -m publisher`: the publisher as its own process (production)."""

from __future__ import annotations

import datetime as dt
import logging
import os

from apscheduler.schedulers.blocking import BlockingScheduler

from publisher.jobs import schedule
from runtime.app import create_base_app
from runtime.gc_pauses import freeze_loaded


def main() -> None:
    """Run the publication schedule until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    os.environ["REGISTRY_SCHEDULER"] = "false"  # this process is the scheduler
    app = create_base_app("publisher")
    freeze_loaded()  # the app lives as long as the process (runtime.gc_pauses)
    scheduler = BlockingScheduler(timezone=dt.UTC)
    schedule(app, scheduler)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        logging.getLogger("publisher").info("publisher stopped")


if __name__ == "__main__":
    main()
