from django.db import migrations


def sync_role_groups(apps, schema_editor):
    # The one definition of role -> groups (salesoffice.roles, also run after every migrate). It reads a plain table
    # and this migration's model state, and makes the permissions first (normally made after all migrations), so
    # the groups can hold them; a permission of a model a later migration creates does not exist yet, and that
    # migration (or the post_migrate sync) gives it to its roles.
    from salesoffice.roles import sync_role_groups as sync

    sync(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("salesoffice", "0001_initial"),
        ("reception", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
