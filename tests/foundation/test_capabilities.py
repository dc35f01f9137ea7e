"""What a role may do is one table (accounts.capabilities): every role has a row; signed-out and
deactivated users may do nothing; a superuser may do everything, but their home page still shows
their role's own work; the product's key promises about roles hold in the table."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template

from accounts.capabilities import ROLE_CAPABILITIES, Capability, can, capabilities_of, role_can, roles_with
from accounts.models import Role, User


def test_every_role_has_a_row_and_every_capability_a_holder_or_a_reason():
    assert set(ROLE_CAPABILITIES) == set(Role.values)
    held = set().union(*ROLE_CAPABILITIES.values())
    # The reveal audit log is read by no role: superusers and holders of a model permission only.
    assert set(Capability) - held == {Capability.READ_REVEAL_AUDIT}


@pytest.mark.parametrize("capability", list(Capability))
def test_nobody_signed_out_or_deactivated_may_do_anything(capability):
    assert not can(AnonymousUser(), capability) and not role_can(AnonymousUser(), capability)
    assert not can(None, capability)
    gone = User(username="gone", role=Role.DISPATCHER, is_active=False, is_superuser=True)
    assert not can(gone, capability) and not role_can(gone, capability)


def test_a_superuser_may_do_everything_but_the_home_page_follows_their_role():
    root = User(username="root", role=Role.GIS_ADMIN, is_superuser=True)
    assert all(can(root, capability) for capability in Capability)
    assert role_can(root, Capability.EDIT_BOUNDARIES)
    assert not role_can(root, Capability.WORK_CELLS)  # no patrol card, no empty cell list


def test_an_unknown_capability_is_an_error_not_a_silent_no():
    user = User(username="w", role=Role.GRID_WORKER)
    with pytest.raises(ValueError):
        can(user, "patrol_cells")
    with pytest.raises(ValueError):
        Template('{% load capabilities %}{% if user|can:"edit_boundary" %}x{% endif %}').render(Context({"user": user}))


def test_templates_ask_the_table():
    template = Template('{% load capabilities %}{% if user|can:"report_cases" %}report{% endif %}'
                        '{% if user|role_can:"work_cells" %} cells{% endif %}')
    assert template.render(Context({"user": User(username="w", role=Role.GRID_WORKER)})) == "report cells"
    assert template.render(Context({"user": User(username="l", role=Role.LEADER)})) == ""
    assert template.render(Context({"user": User(username="r", role=Role.LEADER, is_superuser=True)})) == "report"


# The promises below are spelled out on purpose, not read back from the table: changing who may
# do these things must be a decision that also changes this test.

def test_only_gis_administrators_redraw_boundaries():
    assert roles_with(Capability.EDIT_BOUNDARIES) == {Role.GIS_ADMIN}


def test_a_leader_is_read_only():
    assert capabilities_of(Role.LEADER) == {
        Capability.BROWSE_CASES, Capability.READ_EVALUATION, Capability.EVALUATE, Capability.SEE_EVERY_DEPARTMENT,
        Capability.READ_POPULATION_STATISTICS, Capability.READ_NEEDS, Capability.READ_EMERGENCY_PROGRESS,
    }


def test_a_department_handler_works_on_their_department_s_cases_and_on_no_person():
    assert capabilities_of(Role.DEPARTMENT) == {
        Capability.WORK_DEPARTMENT_SHARES, Capability.READ_EVALUATION, Capability.ADD_TO_CASES, Capability.FULFIL_DEPARTMENT_NEEDS,
    }
    assert roles_with(Capability.SEE_EVERY_DEPARTMENT) == set(Role.values) - {Role.DEPARTMENT, Role.VOLUNTEER}


def test_only_the_command_centre_dispatches_and_takes_hotline_calls():
    assert roles_with(Capability.RUN_COMMAND_CENTRE) == roles_with(Capability.TAKE_HOTLINE_CALLS) == {Role.DISPATCHER}


def test_resident_data_follows_minimum_necessary():
    assert roles_with(Capability.SEE_RESIDENT_RECORDS) == {Role.GRID_WORKER, Role.COMMUNITY, Role.STREET, Role.DISPATCHER, Role.GIS_ADMIN}
    assert roles_with(Capability.REVEAL_PERSONAL_DATA) == {Role.GRID_WORKER, Role.COMMUNITY, Role.STREET, Role.DISPATCHER}
    assert roles_with(Capability.SEE_SENSITIVE_TAGS) == {Role.GRID_WORKER, Role.COMMUNITY, Role.STREET}
    assert roles_with(Capability.IMPORT_RESIDENTS) == {Role.COMMUNITY, Role.STREET, Role.GIS_ADMIN}
    assert roles_with(Capability.RECORD_VISITS) == {Role.GRID_WORKER, Role.COMMUNITY, Role.STREET}
    assert roles_with(Capability.READ_POPULATION_STATISTICS) == set(Role.values) - {Role.DEPARTMENT, Role.VOLUNTEER}


def test_needs_go_to_those_who_work_them_and_a_volunteer_only_claims():
    assert roles_with(Capability.WORK_NEEDS) == {Role.GRID_WORKER, Role.COMMUNITY, Role.STREET, Role.DISPATCHER}
    assert roles_with(Capability.VERIFY_VOLUNTEERS) == {Role.COMMUNITY, Role.STREET}
    assert roles_with(Capability.READ_NEEDS) == {Role.LEADER}
    assert capabilities_of(Role.VOLUNTEER) == {Capability.CLAIM_NEEDS, Capability.WORK_EMERGENCY_TASKS, Capability.WORK_HANDED_TASKS}
def test_emergencies_declared_by_the_centre_worked_at_the_door_and_names_only_to_those_who_go():
    assert roles_with(Capability.DECLARE_EMERGENCIES) == {Role.DISPATCHER}
    assert roles_with(Capability.ISSUE_CAMPAIGNS) == {Role.DISPATCHER, Role.STREET, Role.COMMUNITY}
    assert roles_with(Capability.HAND_TASKS) == {Role.STREET, Role.COMMUNITY}
    assert roles_with(Capability.WORK_EMERGENCY_TASKS) == {Role.GRID_WORKER, Role.COMMUNITY, Role.STREET, Role.VOLUNTEER}
    assert roles_with(Capability.WORK_HANDED_TASKS) == {Role.VOLUNTEER}
    assert roles_with(Capability.SEE_CARE_NAMES) == {Role.GRID_WORKER, Role.COMMUNITY, Role.STREET, Role.DISPATCHER}
    # A household's health answers: only who asks them and follows them up (figures for the rest).
    assert roles_with(Capability.SEE_HEALTH_ANSWERS) == {Role.GRID_WORKER, Role.COMMUNITY}
    assert capabilities_of(Role.VOLUNTEER) >= {Capability.WORK_EMERGENCY_TASKS, Capability.WORK_HANDED_TASKS}


def test_the_admin_shows_what_a_user_s_role_may_do(world, client):
    root = User.objects.create_superuser("caps-root", "root@example.cn", "a-long-admin-password", role=Role.GIS_ADMIN)
    client.force_login(root)
    page = client.get(f"/admin/accounts/user/{world.grid_worker_a.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "该角色可做的事" in text and "负责分配给自己的网格" in text and "上报问题" in text
    assert "重绘和导入边界" not in text
