"""Database statements per inbound message, counted in-process through the real app (API key, inbound
flow, commit), with bench/load.py's messages. Prints the count per message and the most frequent
statements. PostgreSQL gets a schema of its own, dropped afterwards.

    python bench/statements.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).parent))
from load import message

from humantouch.commands.serve import build
from humantouch.migrations import upgrade
from humantouch.service import keys
from humantouch.settings import load_settings
from humantouch.storage import Database


def shape(statement: str) -> str:
    """The statement without its column lists and parameters, to group by."""
    s = re.sub(r"\s+", " ", statement).strip()
    s = re.sub(r"\(([^()]*)\)", "(..)", s)
    return s[:110]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary directory")
    parser.add_argument("--profile", default="fast")
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()

    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'statements.db'}"
    schema = f"ht_stmts_{uuid.uuid4().hex[:10]}" if url.startswith("postgresql") else None
    if schema:
        admin = create_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        url = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False)
    try:
        setup = Database(url)
        upgrade(setup.engine)
        key = keys.create(setup, "integration", "statements").plaintext
        setup.dispose()
        built = build(load_settings(database_url=url, profile=args.profile, worker_in_serve=False))
        seen: Counter[str] = Counter()
        counting = [False]

        @event.listens_for(built.service.db.engine, "before_cursor_execute")
        def _count(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
            if counting[0]:
                seen[shape(statement)] += 1

        for kind in ("begin", "commit", "rollback"):  # savepoints are statements, counted above

            def _tx(*_a: Any, _kind: str = kind) -> None:
                if counting[0]:
                    seen[f"<{_kind}>"] += 1

            event.listen(built.service.db.engine, kind, _tx)

        headers = {"Authorization": f"Bearer {key}"}
        with TestClient(built.app) as client:
            for i in range(20):  # warm-up: caches, first customers
                client.post("/v1/messages", json=message(i, "warm", args.customers), headers=headers)
            counting[0] = True
            for i in range(args.messages):
                response = client.post("/v1/messages", json=message(i, "count", args.customers), headers=headers)
                assert response.status_code == 201, response.text
            counting[0] = False
        built.service.db.dispose()
        total = sum(seen.values())
        print(f"{total / args.messages:.2f} statements per message ({total} for {args.messages})")
        for statement, n in seen.most_common(args.top):
            print(f"{n / args.messages:6.2f}  {statement}")
    finally:
        if schema:
            admin = create_engine(args.database_url)
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
