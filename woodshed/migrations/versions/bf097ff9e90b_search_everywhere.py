"""search everywhere: titles, folded words and ranking columns in search_documents

Every kind of object (pieces, sections, skills, goals, resources, sessions, plans) gets a
row; the databases now match folded words (`woodshed.search.text`) instead of parsing the
text themselves: PostgreSQL by a GIN index over `words::tsvector`, SQLite by an FTS5 table
over `words` with the `ascii` tokenizer. The rows are derived data: this revision empties
them and `woodshed db upgrade` fills them again from the objects
(`woodshed.search.rebuild.fill_missing`). A downgrade leaves the old index empty.

Revision ID: bf097ff9e90b
Revises: 9b2bdf419c95
Create Date: 2026-12-03 08:36:39.794820
"""

import sqlalchemy as sa
from alembic import op

revision = "bf097ff9e90b"
down_revision = "9b2bdf419c95"
branch_labels = None
depends_on = None

TRIGGERS = ("search_documents_ai", "search_documents_ad", "search_documents_au")


def _fts(column: str, tokenize: str) -> list[str]:
    # `column` and `tokenize` are the constants below, never input.
    return [
        f"CREATE VIRTUAL TABLE search_fts USING fts5({column}, content='search_documents', "
        f"content_rowid='id', tokenize='{tokenize}')",
        f"""CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
             INSERT INTO search_fts(rowid, {column}) VALUES (new.id, new.{column});
           END""",  # noqa: S608
        f"""CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
             INSERT INTO search_fts(search_fts, rowid, {column})
               VALUES ('delete', old.id, old.{column});
           END""",  # noqa: S608
        f"""CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN
             INSERT INTO search_fts(search_fts, rowid, {column})
               VALUES ('delete', old.id, old.{column});
             INSERT INTO search_fts(rowid, {column}) VALUES (new.id, new.{column});
           END""",  # noqa: S608
    ]


def _drop_sqlite_fts() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS search_fts")


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("DROP INDEX IF EXISTS ix_search_documents_body_tsv")
    else:
        _drop_sqlite_fts()
    op.execute("DELETE FROM search_documents")
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title", sa.String(length=300), nullable=False))
        batch_op.add_column(sa.Column("words", sa.Text(), nullable=False))
        batch_op.add_column(sa.Column("title_words", sa.Text(), nullable=False))
        batch_op.add_column(sa.Column("parent_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("dated", sa.Date(), nullable=False))
        batch_op.add_column(sa.Column("private", sa.Boolean(), nullable=False))
    if postgresql:
        # Folded words go in as lexemes, unparsed (see woodshed.search.matches).
        op.execute(
            "CREATE INDEX ix_search_documents_words ON search_documents "
            "USING gin ((words::tsvector))"
        )
    else:
        # `ascii`: words are already folded and space-separated; nothing more to fold.
        for statement in _fts("words", "ascii"):
            op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("DROP INDEX IF EXISTS ix_search_documents_words")
    else:
        _drop_sqlite_fts()
    op.execute("DELETE FROM search_documents")
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.drop_column("private")
        batch_op.drop_column("dated")
        batch_op.drop_column("parent_id")
        batch_op.drop_column("title_words")
        batch_op.drop_column("words")
        batch_op.drop_column("title")
    if postgresql:
        op.execute(
            "CREATE INDEX ix_search_documents_body_tsv ON search_documents "
            "USING gin (to_tsvector('simple', body))"
        )
    else:
        for statement in _fts("body", "unicode61 remove_diacritics 2"):
            op.execute(statement)
