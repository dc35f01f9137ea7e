"""Stored masked forms and change history under the current masking policy (residents.privacy).

Until now an ID number was masked as region + last four and history rows kept the birth date:
together with the birth date shown beside them they gave the full number back. Each stored
form is masked again; the masks only ever hide more, so this needs no key and no decryption.
"""
from django.db import migrations


def remask(apps, schema_editor):
    from residents.models import masked_changes
    from residents.privacy import ID_NUMBER, mask, mask_phones

    Person = apps.get_model("residents", "Person")
    ChangeHistory = apps.get_model("residents", "ChangeHistory")
    batch = []
    for person in Person.objects.only("pk", "id_number_masked", "phones_masked").iterator(chunk_size=2000):
        id_masked = mask(ID_NUMBER, person.id_number_masked)
        phones_masked = ",".join(mask_phones(person.phones_masked))
        if (id_masked, phones_masked) != (person.id_number_masked, person.phones_masked):
            person.id_number_masked, person.phones_masked = id_masked, phones_masked
            batch.append(person)
        if len(batch) >= 2000:
            Person.objects.bulk_update(batch, ["id_number_masked", "phones_masked"])
            batch = []
    Person.objects.bulk_update(batch, ["id_number_masked", "phones_masked"])
    rows = []
    for row in ChangeHistory.objects.only("pk", "changes").iterator(chunk_size=2000):
        changes = masked_changes(row.changes)
        if changes != row.changes:
            row.changes = changes
            rows.append(row)
        if len(rows) >= 2000:
            ChangeHistory.objects.bulk_update(rows, ["changes"])
            rows = []
    ChangeHistory.objects.bulk_update(rows, ["changes"])


class Migration(migrations.Migration):
    dependencies = [("residents", "0002_default_care_tags")]

    operations = [migrations.RunPython(remask, migrations.RunPython.noop)]
