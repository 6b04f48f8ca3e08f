"""The HTTP API (FastAPI, versioned under /v1). Build it with `create_app(service)`."""

from humantouch.api.app import create_app

__all__ = ["create_app"]
