# Key accounts and joint visits moved to the visits app (issue #20): their tables are dropped here and made
# again by visits 0014 (nothing is released, so no rows are carried over). The join table goes first; the
# models are deleted whole (removing the fields one by one first trips over their unique constraint on SQLite).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0011_bounds"),
    ]

    operations = [
        migrations.DeleteModel(
            name="JointVisitRequest",
        ),
        migrations.DeleteModel(
            name="KeyAccountEntry",
        ),
    ]
