"""The bot of issue 4: self-service answers, intake of facts, and the handoff to a person.

`dialogue.respond` is the pure core; `service/dialogue.py` runs it inside the inbound flow and
`service/briefing.py` writes what a person needs.
"""
