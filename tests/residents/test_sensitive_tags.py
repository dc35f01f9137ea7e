"""Sensitive care tags (disability, health) are visible only to the roles that care for the person."""


def test_the_person_page_and_api_hide_sensitive_tags_from_the_command_centre(people, world, client, api_as):
    assert api_as(world.dispatcher).get(f"/api/v1/residents/persons/{people.in_a.pk}/").json()["tags"] == ["elderly_alone"]
    assert set(api_as(world.community_staff).get(f"/api/v1/residents/persons/{people.in_a.pk}/").json()["tags"]) == {"elderly_alone", "disabled"}
    client.force_login(world.dispatcher)
    page = client.get(f"/residents/people/{people.in_a.pk}/").content.decode()
    assert "独居老人" in page and "残疾人" not in page  # neither the tag nor its history entry
    client.force_login(world.grid_worker_a)
    assert "残疾人" in client.get(f"/residents/people/{people.in_a.pk}/").content.decode()


def test_searching_by_a_sensitive_tag_finds_nobody_for_a_role_that_may_not_see_it(people, world, api_as):
    assert api_as(world.dispatcher).get("/api/v1/residents/persons/", {"tag": "disabled"}).json()["count"] == 0
    assert api_as(world.community_staff).get("/api/v1/residents/persons/", {"tag": "disabled"}).json()["count"] == 1
    assert [t["code"] for t in api_as(world.dispatcher).get("/api/v1/residents/tags/").json()] == [
        "elderly_alone", "low_income", "left_behind_child", "key_care"
    ]
