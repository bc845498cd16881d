"""Baseline for ``part list`` drawn as a table: rich's default ``Table`` of the same rows.

    python bench/baseline_table.py DB

Reads the columns ``inventory part list`` shows (key, description, type, MPN, tags, stock, cover,
files) from DB with stdlib sqlite3 in one query and prints them as a rich ``Table`` with default
settings, the way a short script would.
"""

from __future__ import annotations

import json
import sqlite3
import sys

QUERY = """
SELECT p.key, p.description, t.name, p.manufacturer_code, p.tags,
       (SELECT coalesce(sum(s.quantity), 0) FROM stock s WHERE s.part_id = p.id),
       c.id, c.title,
       (SELECT count(*) FROM attachments a WHERE a.attachment_set_id = p.attachment_set_id)
FROM parts p
LEFT JOIN types t ON t.id = p.type_id
JOIN attachment_sets sets ON sets.id = p.attachment_set_id
LEFT JOIN attachments c ON c.id = sets.cover_attachment_id
ORDER BY p.key
"""
COLUMNS = ("Key", "Description", "Type", "MPN", "Tags", "Stock", "Cover", "Files")


def rows(db: str) -> list[tuple[str, ...]]:
    """The listing's rows as texts, read in one query."""
    connection = sqlite3.connect(db)
    try:
        found = connection.execute(QUERY).fetchall()
    finally:
        connection.close()
    return [
        (
            key,
            description,
            kind or "",
            mpn or "",
            ", ".join(json.loads(tags)) if tags else "",
            str(stock),
            f"#{cover_id} {cover_title}" if cover_id else "",
            str(files),
        )
        for key, description, kind, mpn, tags, stock, cover_id, cover_title, files in found
    ]


def main(db: str) -> None:
    """Print the rows as rich's default table."""
    from rich.console import Console
    from rich.table import Table

    table = Table()
    for column in COLUMNS:
        table.add_column(column)
    for row in rows(db):
        table.add_row(*row)
    Console().print(table)


if __name__ == "__main__":
    main(sys.argv[1])
