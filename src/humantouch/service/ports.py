"""What the service needs from the triage engine: two methods and a playbook with SLA targets.

The service types against this protocol, not the concrete Engine, so it can be driven by the
in-package test profile (`Engine.load(profile="test")`) and by any stand-in alike.
"""

from __future__ import annotations

from typing import Protocol

from humantouch.playbook import StoragePolicy
from humantouch.records import Contact, Triage


class SlaTable(Protocol):
    @property
    def name(self) -> str: ...

    def sla_minutes(self, channel: str, priority: str) -> int: ...

    @property
    def storage(self) -> StoragePolicy: ...


class Triager(Protocol):
    @property
    def playbook(self) -> SlaTable: ...

    def triage(self, contact: Contact) -> Triage: ...
