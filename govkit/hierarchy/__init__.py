"""Hierarchy (层级): divisions, service centres, departments, staff and access scope."""
