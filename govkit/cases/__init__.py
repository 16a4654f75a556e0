"""Cases (办件): workflow engine, working-day deadlines, events and the outbox."""
