from django.db import migrations, models


def forget_plaintext_api_tokens(apps, schema_editor):
    """DRF's authtoken stored API tokens in plain text; knox stores digests. The old tokens are not
    carried over (their owners ask POST /api/auth/token/ for a new one): they are erased where they lie."""
    connection = schema_editor.connection
    if "authtoken_token" in connection.introspection.table_names():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM authtoken_token")


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0003_team_quota_counts_calls_and_office_visits"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="sign_out_generation",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="sign-out generation"),
        ),
        migrations.RunPython(forget_plaintext_api_tokens, migrations.RunPython.noop, elidable=True),
    ]
