"""The service layer: the inbound flow, the conversation life cycle and customers, over storage.

Each public function is one transaction. HTTP, the CLI and the worker call these; they never
call back out to HTTP. See docs/architecture.md for the flow.
"""

from humantouch.service.context import Actor, Service

__all__ = ["Actor", "Service"]
