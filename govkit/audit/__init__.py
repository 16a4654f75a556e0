"""The audit trail (审计日志): an append-only, hash-chained record of every administrative change."""
