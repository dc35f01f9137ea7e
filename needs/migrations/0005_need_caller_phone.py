"""The hotline caller's number gets its own encrypted column.

Until now the hotline wrote it as the description's first words, in one exact form
(``needs.hotline.caller_description``): ``☎ <digits>`` alone, or ``☎ <digits>｜<what was said>``,
the digits being what ``dispatch.actions.public.normalise_phone`` leaves (5 to 15 digits). Only
needs of source hotline that start with exactly that form are moved: the number goes encrypted and
hashed into the new column, the rest of the description stays. A grid worker's need, or a
description typed differently (a ☎ somewhere else, no space, letters among the digits), is not
touched: it was never the hotline's prefix. Anonymised needs have no description left.
"""
import re

from django.db import migrations, models

# Frozen here: the migration must read what the hotline wrote then, whatever the code says later.
AAD_CALLER_PHONE = b"needs.need.caller_phone"
# What it said came stripped (needs.actions.writing.clean_text): it starts and ends with no space.
HOTLINE_PREFIX = re.compile(r"☎ (\d{5,15})(?:｜(\S(?:.*\S)?))?", re.DOTALL)


def split_description(description: str) -> tuple[str, str] | None:
    """(phone, the rest) when the description starts with the hotline's prefix, else None."""
    found = HOTLINE_PREFIX.fullmatch(description or "")
    if found is None:
        return None
    return found.group(1), found.group(2) or ""


def move_numbers_out(apps, schema_editor):
    from residents import privacy

    Need = apps.get_model("needs", "Need")
    hotline = Need.objects.filter(source="hotline", caller_phone_enc="", anonymised_at__isnull=True, description__startswith="☎ ")
    for pk, description in hotline.values_list("pk", "description").iterator(chunk_size=2000):
        parts = split_description(description)
        if parts is None:
            continue
        phone, rest = parts
        Need.objects.filter(pk=pk, description=description).update(
            description=rest, caller_phone_enc=privacy.encrypt(phone, AAD_CALLER_PHONE),
            caller_phone_hash=privacy.search_hash(privacy.PHONE, phone),
        )


def put_numbers_back(apps, schema_editor):
    """Back to the old form, for a rollback: the number in front of the description again."""
    from residents import privacy

    Need = apps.get_model("needs", "Need")
    for need in Need.objects.exclude(caller_phone_enc="").iterator(chunk_size=2000):
        phone = privacy.decrypt(need.caller_phone_enc, AAD_CALLER_PHONE)
        description = f"☎ {phone}｜{need.description}" if need.description else f"☎ {phone}"
        Need.objects.filter(pk=need.pk).update(description=description[:500], caller_phone_enc="", caller_phone_hash="")


class Migration(migrations.Migration):

    dependencies = [
        ('needs', '0004_volunteer_phone_encrypted'),
    ]

    operations = [
        migrations.AddField(
            model_name='need',
            name='caller_phone_enc',
            field=models.TextField(blank=True, default='', verbose_name="caller's phone (encrypted)"),
        ),
        migrations.AddField(
            model_name='need',
            name='caller_phone_hash',
            field=models.CharField(blank=True, default='', max_length=64, verbose_name="caller's phone search hash"),
        ),
        migrations.AddIndex(
            model_name='need',
            index=models.Index(condition=models.Q(('caller_phone_hash', ''), _negated=True), fields=['caller_phone_hash'], name='need_caller_phone_hash_idx'),
        ),
        migrations.RunPython(move_numbers_out, put_numbers_back),
    ]
