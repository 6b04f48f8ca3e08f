"""docs/api.md shows every /v1 endpoint."""

from __future__ import annotations

import re
from pathlib import Path

from humantouch.api import create_app
from humantouch.engine import Engine
from humantouch.service import Service
from humantouch.storage import Database

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_every_endpoint_is_in_the_api_guide(engine: Engine) -> None:
    text = DOC.read_text(encoding="utf-8")
    app = create_app(Service(db=Database("sqlite://"), engine=engine))
    for path in app.openapi()["paths"]:
        # /v1/conversations/{conversation_id}/reply -> /v1/conversations/<anything>/reply
        pattern = re.escape(path).replace(r"\{", "{").replace(r"\}", "}")
        pattern = re.sub(r"{[a-z_]+}", r"[^/\\s]+", pattern)
        if path.startswith("/v1"):
            assert re.search(pattern + r"(?![\w/-])", text), f"{path} is not in docs/api.md"
