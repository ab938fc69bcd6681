# Only the two single-column indexes go: Django's own AlterField would also drop and re-add
# (and so re-validate, with a table lock) both foreign-key constraints, for nothing.

import django.db.models.deletion
from django.db import migrations, models

DROP = [
    (
        'DROP INDEX IF EXISTS "awards_award_issuer_id_9f6e205a"',
        'CREATE INDEX "awards_award_issuer_id_9f6e205a" ON "awards_award" ("issuer_id")',
    ),
    (
        'DROP INDEX IF EXISTS "awards_award_template_id_07a2ff5f"',
        'CREATE INDEX "awards_award_template_id_07a2ff5f" ON "awards_award" ("template_id")',
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("awards", "0001_initial"),
        ("badges", "0001_initial"),
        ("issuers", "0002_signingkey"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(sql, reverse) for sql, reverse in DROP],
            state_operations=[
                migrations.AlterField(
                    model_name="award",
                    name="issuer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="awards",
                        to="issuers.issuer",
                    ),
                ),
                migrations.AlterField(
                    model_name="award",
                    name="template",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="awards",
                        to="badges.badgetemplate",
                    ),
                ),
            ],
        )
    ]
