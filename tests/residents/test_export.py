"""Exports follow the search and the scope; full values need a reason and are audited per person."""
import io

from openpyxl import load_workbook

from residents.models import RevealAudit


def sheet_rows(response):
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def test_the_export_follows_the_search(people, world, client):
    client.force_login(world.dispatcher)
    rows = sheet_rows(client.get("/residents/people/export.xlsx", {"tag": "elderly_alone"}))
    assert rows[0][0] == "楼栋编码"
    assert sorted(r[10] for r in rows[1:]) == ["张三", "王五"]


def test_a_full_export_writes_one_audit_record_per_person_and_field(people, world, client):
    client.force_login(world.dispatcher)
    response = client.post("/residents/people/export.xlsx", {"q": "张三", "reason": "民政部门核对低保名单"})
    assert response.status_code == 200
    cells = [str(v) for row in sheet_rows(response) for v in row]
    assert people.id_a in cells
    assert RevealAudit.objects.filter(person=people.in_a, via="export").count() == 2  # ID number and phones
    assert RevealAudit.objects.count() == 2


def test_a_full_export_without_a_reason_or_permission_is_refused(people, world, client):
    client.force_login(world.dispatcher)
    response = client.post("/residents/people/export.xlsx", {"reason": ""})
    assert response.status_code == 302
    client.force_login(world.gis_admin)
    assert client.post("/residents/people/export.xlsx", {"reason": "需要完整号码"}).status_code == 403
    assert not RevealAudit.objects.exists()


def test_sensitive_tags_are_left_out_of_exports_for_roles_that_may_not_see_them(people, world, client):
    client.force_login(world.dispatcher)
    tags = {r[10]: r[20] for r in sheet_rows(client.get("/residents/people/export.xlsx"))[1:]}
    assert tags["张三"] == "独居老人"  # not 残疾人
    client.force_login(world.community_staff)
    tags = {r[10]: r[20] for r in sheet_rows(client.get("/residents/people/export.xlsx"))[1:]}
    assert set(tags["张三"].split("、")) == {"独居老人", "残疾人"}
