from django.db import migrations


def copy_primary_phones(apps, schema_editor):
    # Matching now goes through ClientPhone (ATT-REG-3); clients made before it need their phone there.
    Client = apps.get_model("attribution", "Client")
    ClientPhone = apps.get_model("attribution", "ClientPhone")
    known = set(ClientPhone.objects.values_list("phone_normalised", flat=True))
    batch = []
    for client_id, phone, normalised in Client.objects.order_by("pk").values_list("pk", "phone", "phone_normalised"):
        if normalised and normalised not in known:
            known.add(normalised)
            batch.append(ClientPhone(client_id=client_id, phone=phone, phone_normalised=normalised))
    ClientPhone.objects.bulk_create(batch, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("attribution", "0003_register_facts_referrals_disputes_follow_ups")]

    operations = [migrations.RunPython(copy_primary_phones, migrations.RunPython.noop)]
