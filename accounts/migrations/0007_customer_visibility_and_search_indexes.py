"""Indexes of issue #24: the ids of a person's customers from an index alone (visibility), and trigram
indexes for the customer list's name and phone search, on PostgreSQL only.

The search (accounts.customers.filters.CustomerFilter.filter_text) is ``icontains`` on the unit name and the
contacts' names and ``contains`` on the phone's digits: Django writes ``UPPER(col::text) LIKE UPPER('%…%')``
and ``col::text LIKE '%…%'``, which a B-tree cannot serve. pg_trgm's GIN operator class can, for any search
of three characters or more (a shorter one has no trigram: PostgreSQL then reads the rows the visibility
UNION selects, a few thousand at most for a salesperson or a manager). The expressions are the ones Django
writes, so the planner matches them.

SQLite has no such index and needs none at its sizes: the operation does nothing there (the models do not
declare these indexes, so the schema state is the same on both databases and ``makemigrations`` stays
quiet). pg_trgm itself was created by 0004.
"""

from django.db import migrations, models

INDEXES = [
    ("customer_unit_name_trgm_idx", "accounts_customer", "UPPER(unit_name::text) gin_trgm_ops"),
    ("customer_phone_trgm_idx", "accounts_customer", "(phone::text) gin_trgm_ops"),
    ("contact_name_trgm_idx", "accounts_contact", "UPPER(name::text) gin_trgm_ops"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expression in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expression})")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_quote_discount_approval"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["owner", "id"], name="customer_owner_ids_idx"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["territory", "id"], name="customer_territory_ids_idx"),
        ),
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
