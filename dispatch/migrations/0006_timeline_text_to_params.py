"""The centre's and the departments' timeline entries and notifications used to store their whole
sentence, in the language of the moment of writing ("派遣至 市政，期限 …。 note"). They now store
the act's parameters and the actor's own words apart, and the sentence is rendered for the
reader. This migration splits the old rows: a sentence recognised (in Chinese or English) becomes
parameters plus the remaining words; a row it does not recognise is left as it was."""
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import migrations

ZONE = ZoneInfo("Asia/Shanghai")
NAMES = r"(?P<{}>.+?)"
WHEN = r"(?P<deadline>\d{4}-\d{2}-\d{2} \d{2}:\d{2})"

# (act, pattern, which groups are lists of names); the rest of the text after the match is the note.
PATTERNS = [
    ("dispatch", r"派遣至 (?P<departments>.+?)，期限 " + WHEN + "。", {"departments"}),
    ("dispatch", r"Dispatched to (?P<departments>.+?), due " + WHEN + r"\.", {"departments"}),
    ("to_locality", r"无主管部门，属地兜底：交由(?P<street>.+?)办理。", set()),
    ("to_locality", r"No department owns this: handed to the locality, (?P<street>.+?)\.", set()),
    ("supervise", r"督办 (?P<departments>.+?)。", {"departments"}),
    ("supervise", r"Supervision of (?P<departments>.+?)\.", {"departments"}),
    ("approve_extension", r"批准(?P<department>.+?)延期，新期限 " + WHEN + "。", set()),
    ("approve_extension", r"More time for (?P<department>.+?) approved: new deadline " + WHEN + r"\.", set()),
    ("refuse_extension", r"驳回(?P<department>.+?)的延期申请：", set()),
    ("refuse_extension", r"More time for (?P<department>.+?) refused: ", set()),
    ("request_verification", r"已派 (?P<workers>.+?) 现场核查。", {"workers"}),
    ("request_verification", r"On-site check asked of (?P<workers>.+?)\.", {"workers"}),
    ("accept", r"(?P<department>\S+) 已签收。", set()),
    ("accept", r"(?P<department>.+?) accepted the case\.", set()),
    ("return", r"(?P<department>\S+) 退回：", set()),
    ("return", r"Returned by (?P<department>.+?): ", set()),
    ("feedback", r"(?P<department>\S+) 反馈已处置。", set()),
    ("feedback", r"(?P<department>.+?) reports it handled\.", set()),
    ("request_extension", r"(?P<department>\S+) 申请延期至 " + WHEN + "：", set()),
    ("request_extension", r"(?P<department>.+?) asks for more time, until " + WHEN + ": ", set()),
    ("duplicate_linked", r"案件 #(?P<duplicate>\d+) 已作为本案的重复案件关联。", set()),
    ("duplicate_linked", r"Case #(?P<duplicate>\d+) was linked as a duplicate of this one\.", set()),
]
COMPILED = [(act, re.compile(pattern), lists) for act, pattern, lists in PATTERNS]


def split(text, action=None):
    """(act, params, remaining words) of an old sentence, or None."""
    for act, pattern, lists in COMPILED:
        if action is not None and act != action:
            continue
        match = pattern.match(text or "")
        if match is None:
            continue
        params = {}
        for key, value in match.groupdict().items():
            if key == "deadline":
                moment = datetime.strptime(value, "%Y-%m-%d %H:%M").replace(tzinfo=ZONE)
                params[key] = {"when": moment.isoformat()}
            elif key in lists:
                params[key] = {"names": re.split(r"、|, ", value)}
            elif key == "duplicate":
                params[key] = int(value)
            else:
                params[key] = value
        return act, params, text[match.end():].strip()
    return None


def forwards(apps, schema_editor):
    TimelineEntry = apps.get_model("incidents", "TimelineEntry")
    Notification = apps.get_model("incidents", "Notification")
    acts = {act for act, _pattern, _lists in PATTERNS}
    for entry in TimelineEntry.objects.filter(action__in=acts, params={}).exclude(note="").iterator():
        found = split(entry.note, entry.action)
        if found:
            _act, entry.params, entry.note = found
            entry.save(update_fields=["params", "note"])
    for notification in Notification.objects.filter(action="", params={}).exclude(text="").iterator():
        found = split(notification.text)
        if found:
            notification.action, notification.params, notification.text = found
            notification.save(update_fields=["action", "params", "text"])


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0005_incident_area_period_index"),
        ("incidents", "0007_timeline_params_and_extensible_vocabularies"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
