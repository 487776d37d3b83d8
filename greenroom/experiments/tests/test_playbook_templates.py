"""A new experiment's brief and a new launch's description start from the playbook's
templates (through the registry's StartingText, which cadences supplies); their pages render
the Markdown and list the template's required sections they lack."""

import pytest
from django.urls import reverse

from greenroom.accounts import services as account_services
from greenroom.cadences import services as playbook
from greenroom.experiments.models import Experiment, Launch

pytestmark = pytest.mark.django_db

BRIEF = "# Hypothesis\n\n# Metric\n\n# Design\n\n# Decision rule\n"
LAUNCH = "# What ships\n\n# Audience\n\n# Readiness\n\n# Communication\n\n# Rollout\n"
EXPERIMENT = {
    "name": "Onboarding checklist",
    "hypothesis": "A checklist lifts activation.",
    "variants": "Control:control:50\nChecklist:checklist:50",
    "metric_name": "Activated",
    "metric_kind": "conversion",
    "metric_event": "activated",
}


def _template(personas, kind: str, body: str, required: list[str] | None = None) -> None:
    playbook.template_save(
        workspace=personas.workspace,
        actor=personas.ops,
        kind=kind,
        body=body,
        required_sections=required,
    )


def test_the_new_experiment_form_starts_from_the_experiment_brief_template(personas):
    _template(personas, "experiment_brief", BRIEF)
    response = personas.client(personas.pm).get(reverse("experiments:create"))
    assert response.context["form"]["brief"].value() == BRIEF


def test_the_new_experiment_form_starts_empty_without_a_template(personas):
    response = personas.client(personas.pm).get(reverse("experiments:create"))
    assert response.context["form"]["brief"].value() == ""


def test_the_experiment_page_renders_the_brief_and_lists_the_missing_sections(personas):
    _template(personas, "experiment_brief", BRIEF)
    client = personas.client(personas.pm)
    brief = "# Hypothesis\n\n**Bold** claim\n\n# Design\n"
    response = client.post(reverse("experiments:create"), {**EXPERIMENT, "brief": brief})
    assert response.status_code == 302, response.content.decode()
    experiment = Experiment.objects.for_workspace(personas.workspace).get()
    assert experiment.brief == brief.strip()
    page = client.get(reverse("experiments:detail", args=[experiment.pk])).content.decode()
    assert "<strong>Bold</strong>" in page
    assert "Missing from the template: Metric, Decision rule" in page


def test_the_api_registers_an_experiment_with_its_brief(personas, client):
    token = account_services.token_create(user=personas.pm, name="t")[1]
    payload = {
        "name": "Copy",
        "hypothesis": "Clearer copy lifts checkout.",
        "brief": "# Hypothesis\n\nClearer copy.",
        "variants": [
            {"name": "Control", "key": "control", "split": "50"},
            {"name": "Clear", "key": "clear", "split": "50"},
        ],
        "metrics": [{"name": "Checkout", "kind": "conversion"}],
    }
    response = client.post(
        "/api/v1/experiments/experiments",
        payload,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content
    assert response.json()["brief"] == payload["brief"]
    assert Experiment.objects.get(name="Copy").brief == payload["brief"]
    malformed = client.post(
        "/api/v1/experiments/experiments",
        {**payload, "name": "Other", "brief": ["not", "text"]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert malformed.status_code == 422 and "brief" in malformed.content.decode()
    assert not Experiment.objects.filter(name="Other").exists()


def test_the_new_launch_form_starts_from_the_launch_plan_template(personas):
    required = ["What ships", "Audience", "Readiness", "Communication", "Rollout"]
    _template(personas, "launch_plan", LAUNCH, required)
    response = personas.client(personas.pm).get(reverse("experiments:launch_create"))
    assert response.context["form"]["description"].value() == LAUNCH


def test_the_new_launch_form_starts_empty_without_a_template(personas):
    response = personas.client(personas.pm).get(reverse("experiments:launch_create"))
    assert response.context["form"]["description"].value() == ""


def test_the_launch_page_lists_the_sections_its_plan_lacks_without_blocking(personas):
    required = ["What ships", "Audience", "Readiness", "Communication", "Rollout"]
    _template(personas, "launch_plan", LAUNCH, required)
    client = personas.client(personas.pm)
    description = "# What ships\n\nThe new editor.\n\n# Audience\n\n# Readiness\n"
    response = client.post(
        reverse("experiments:launch_create"),
        {
            "name": "Editor",
            "planned_on": "2026-12-20",
            "description": description,
            "adoption_days": "30",
        },
    )
    assert response.status_code == 302, response.content.decode()
    launch = Launch.objects.for_workspace(personas.workspace).get()
    assert launch.description == description.strip()
    page = client.get(reverse("experiments:launch", args=[launch.pk])).content.decode()
    assert "<p>The new editor.</p>" in page
    assert "Missing from the template: Communication, Rollout" in page
