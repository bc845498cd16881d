"""Storage: the SQLite engine, the unit of work, repositories, the blob store and migrations."""
