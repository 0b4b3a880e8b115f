"""python -m services.digits: serves on HOST (127.0.0.1) : PORT (3000), as services.common.app.run
does, with the image store's route added."""
import logging
import os
import sys

from aiohttp import web

from .service import DigitsService, build_app


def main() -> None:
    logging.basicConfig(level=os.getenv("LOG_LEVEL", "INFO").upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    host = os.getenv("HOST", "127.0.0.1")
    try:
        port = int(os.getenv("PORT", "3000"))
    except ValueError:
        raise SystemExit(f"PORT must be an integer, got {os.getenv('PORT')!r}")
    service = DigitsService()
    service.preload()    # trains the generator (well under a second)
    logging.getLogger("infernet.services").info("digits service listening on http://%s:%d", host, port)
    web.run_app(build_app(service), host=host, port=port, access_log=None, print=None,
                handle_signals=True, shutdown_timeout=5.0)


if __name__ == "__main__":
    main()
