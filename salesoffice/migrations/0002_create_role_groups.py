from django.db import migrations


def sync_role_groups(apps, schema_editor):
    # Permissions are normally made after all migrations (post_migrate); make them now so groups can hold them.
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, apps=apps)

    # salesoffice.roles is a plain table (no models), safe to read from a migration; when it changes, a new
    # migration runs this function again.
    from salesoffice.roles import ROLE_PERMISSIONS

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".")
            # A permission of a model a later migration creates does not exist yet; that migration syncs again.
            wanted.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)


class Migration(migrations.Migration):
    dependencies = [
        ("salesoffice", "0001_initial"),
        ("reception", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
