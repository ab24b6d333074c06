"""Site search: `queries.search` (FTS5 on SQLite, full-text search on PostgreSQL) and the
public /search page."""
