"""Privacy by design: masking and encrypted originals, the audit log, retention, erasure and access.

See docs/privacy.md for what is stored where, for how long, and who may see it.
"""
