"""A new study's plan starts from the playbook's research plan template (through the
registry's StartingText, which cadences supplies); its page renders the plan and lists the
template's required sections it lacks."""

import pytest
from django.urls import reverse

from greenroom.cadences import services as playbook
from greenroom.research.models import Study

pytestmark = pytest.mark.django_db

BODY = "# Question\n\nWhat do we want to learn?\n\n# Method\n\n# Participants\n\n# Timeline\n"


def _template(personas, body: str = BODY) -> None:
    playbook.template_save(
        workspace=personas.workspace, actor=personas.ops, kind="research_plan", body=body
    )


def test_the_new_study_form_starts_from_the_current_research_plan_template(personas):
    _template(personas, BODY + "\nFirst version.")
    _template(personas)
    response = personas.client(personas.pm).get(reverse("research:study_new"))
    assert response.context["form"]["plan"].value() == BODY


def test_the_new_study_form_starts_empty_without_a_template(personas):
    response = personas.client(personas.pm).get(reverse("research:study_new"))
    assert response.context["form"]["plan"].value() == ""


def test_the_study_page_renders_the_plan_and_lists_the_missing_sections(personas):
    _template(personas)
    client = personas.client(personas.pm)
    data = {
        "title": "Trials",
        "question": "Why do trials stall?",
        "method": "interview",
        "plan": "# Question\n\nWhy?\n\n# Method\n\n<script>alert(1)</script>",
    }
    response = client.post(reverse("research:study_new"), data)
    study = Study.objects.get()
    assert response.status_code == 302 and study.plan == data["plan"]
    page = client.get(reverse("research:study", args=[study.pk])).content.decode()
    assert "Missing from the template: Participants, Timeline" in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_the_study_page_lists_nothing_missing_without_a_template(personas):
    client = personas.client(personas.pm)
    data = {"title": "T", "question": "Q?", "method": "interview", "plan": "Free text"}
    client.post(reverse("research:study_new"), data)
    page = client.get(reverse("research:study", args=[Study.objects.get().pk])).content.decode()
    assert "Free text" in page and "Missing from the template" not in page
