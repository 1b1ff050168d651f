"""Admin: model versions registered by path or zip (checked on save), one active, "make active"."""

import io
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from classifier import registry
from classifier.models import CellImage, ModelVersion, Prediction
from tests.factories import ModelVersionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def add_version(client, **data):
    form = {"name": "", "bundle_path": "", "notes": "", **data}
    return client.post(reverse("admin:classifier_modelversion_add"), form)


def test_the_add_page_offers_a_path_or_a_zip(admin_client):
    response = admin_client.get(reverse("admin:classifier_modelversion_add"))
    assert response.status_code == 200
    assert b'name="bundle_zip"' in response.content
    assert b'name="bundle_path"' in response.content


def test_it_needs_a_path_or_a_zip(admin_client):
    response = add_version(admin_client, name="nothing")
    assert response.status_code == 200
    assert b"Give either a bundle path or a bundle zip." in response.content
    assert not ModelVersion.objects.exists()


def test_a_bad_path_is_refused_with_its_reason(admin_client):
    response = add_version(admin_client, name="bad", bundle_path="/no/such/bundle")
    assert b"This bundle cannot be used" in response.content
    assert not ModelVersion.objects.exists()


def test_a_bad_zip_is_refused_and_leaves_nothing(admin_client, media_root):
    upload = io.BytesIO(b"not a zip")
    upload.name = "bundle.zip"
    response = add_version(admin_client, name="bad", bundle_zip=upload)
    assert b"This bundle cannot be used" in response.content
    assert not ModelVersion.objects.exists()
    assert list((media_root / "models").iterdir()) == []


@pytest.mark.slow
def test_it_registers_a_bundle_by_path(admin_client, tiny_bundle):
    response = add_version(
        admin_client, name="tiny-path", bundle_path=str(tiny_bundle), is_active="on"
    )
    assert response.status_code == 302
    version = ModelVersion.objects.get()
    assert (version.name, version.is_active, len(version.labels)) == ("tiny-path", True, 8)
    assert version.input_spec["size"] == 64
    assert AuditEvent.objects.filter(action="model_version_changed").count() == 1


@pytest.mark.slow
def test_it_registers_an_uploaded_zip(admin_client, tiny_bundle, media_root):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in tiny_bundle.iterdir():
            archive.write(path, path.name)
    buffer.seek(0)
    buffer.name = "tiny.zip"
    response = add_version(admin_client, name="tiny-zip", bundle_zip=buffer)
    assert response.status_code == 302
    version = ModelVersion.objects.get()
    assert version.uploaded and not version.is_active
    assert [p.name for p in (media_root / "models").iterdir()] == [str(version.public_id)]
    assert version.bundle_dir.joinpath("model.tflite").is_file()


def test_make_active_switches_the_active_version(admin_client):
    old = ModelVersionFactory(name="old")
    new = ModelVersionFactory(name="new", is_active=False)
    response = admin_client.post(
        reverse("admin:classifier_modelversion_changelist"),
        {"action": "make_active", "_selected_action": [new.pk]},
    )
    assert response.status_code == 302
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.is_active, new.is_active) == (False, True)
    assert AuditEvent.objects.filter(
        action="model_version_changed", details__change="activated"
    ).exists()


def test_make_active_wants_exactly_one(admin_client):
    first = ModelVersionFactory(name="a")
    second = ModelVersionFactory(name="b", is_active=False)
    admin_client.post(
        reverse("admin:classifier_modelversion_changelist"),
        {"action": "make_active", "_selected_action": [first.pk, second.pk]},
    )
    first.refresh_from_db()
    assert first.is_active


def test_the_change_page_keeps_bundle_fields_read_only(admin_client):
    version = ModelVersionFactory(name="v")
    response = admin_client.post(
        reverse("admin:classifier_modelversion_change", args=[version.pk]),
        {"name": "renamed", "notes": "n", "is_active": "on", "bundle_path": "/evil"},
    )
    assert response.status_code == 302
    version.refresh_from_db()
    assert (version.name, version.bundle_path) == ("renamed", "")


@pytest.mark.parametrize("model", ["case", "cellimage", "prediction"])
def test_the_read_only_admin_pages_open(admin_client, model, case, store_image):
    store_image(case)
    assert admin_client.get(reverse(f"admin:classifier_{model}_changelist")).status_code == 200


def test_a_lab_can_be_given_its_own_version_in_the_lab_page(admin_client, lab_a):
    ModelVersionFactory(name="shared")
    adapted = ModelVersionFactory(name="lab-a-adapted", is_active=False)
    response = admin_client.get(reverse("admin:accounts_lab_change", args=[lab_a.pk]))
    assert response.status_code == 200
    field = response.context["adminform"].form.fields["model_version"]
    assert adapted in field.queryset
    assert "Empty: the portal's active version." in field.help_text


def test_setting_a_labs_own_version_is_audited(admin_client, lab_a):
    adapted = ModelVersionFactory(name="lab-a-adapted", is_active=False)
    url = reverse("admin:accounts_lab_change", args=[lab_a.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(model_version=str(adapted.pk), **_empty_inline(admin_client, url))
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    lab_a.refresh_from_db()
    assert lab_a.model_version == adapted
    event = AuditEvent.objects.get(action=AuditEvent.Action.MODEL_VERSION_CHANGED)
    assert event.details["model_version"] == str(adapted.public_id)


def _empty_inline(client, url):
    """The membership inline's management form, as the page sends it with no changes."""
    formset = client.get(url).context["inline_admin_formsets"][0].formset
    management = formset.management_form
    data = {f"{management.prefix}-{name}": value for name, value in management.initial.items()}
    for index, inline_form in enumerate(formset.forms):
        for name, value in inline_form.initial.items():
            data[f"{formset.prefix}-{index}-{name}"] = getattr(value, "pk", value)
    return data


def test_an_image_deleted_in_the_admin_takes_its_file_with_it(admin_client, case, store_image):
    image = store_image(case, consent_retain=True)
    path = image.path

    admin_client.post(
        reverse("admin:classifier_cellimage_delete", args=[image.pk]), {"post": "yes"}
    )

    assert not CellImage.objects.filter(pk=image.pk).exists()
    assert not path.exists()


def test_a_prediction_cannot_be_deleted_in_the_admin(admin_client):
    assert not admin_site_allows_delete(Prediction)


def admin_site_allows_delete(model) -> bool:
    from django.contrib.admin import site
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    return site._registry[model].has_delete_permission(request)


def checked_bundle(bundle_dir) -> registry.CheckedBundle:
    return registry.CheckedBundle(
        bundle_dir=Path(bundle_dir),
        labels=["lymphocyte", "neutrophil", "platelet"],
        input_spec={"size": 224, "channels": 3},
        confidence_threshold=0.5,
        metadata={"name": "checked"},
    )


def test_ticking_active_on_the_change_page_activates_that_version(admin_client):
    old = ModelVersionFactory(name="old")
    new = ModelVersionFactory(name="Kaggle4", is_active=False)

    response = admin_client.post(
        reverse("admin:classifier_modelversion_change", args=[new.pk]),
        {"name": "Kaggle4", "notes": "", "is_active": "on"},
        follow=True,
    )

    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.is_active, new.is_active) == (False, True)
    content = response.content.decode()
    assert "is violated" not in content
    assert "Kaggle4 is now the active version, instead of old." in content
    assert "(active)" not in content.split('class="messagelist"')[1].split("</ul>")[0]
    assert AuditEvent.objects.filter(details__change="activated").exists()


def test_ticking_active_on_the_add_page_replaces_the_active_version(admin_client, monkeypatch):
    old = ModelVersionFactory(name="old")
    monkeypatch.setattr(registry, "stored_bundle_path", lambda path: path)
    monkeypatch.setattr("ml.serving.resolve_bundle", lambda path: path)
    monkeypatch.setattr(registry, "inspect_bundle", checked_bundle)

    response = add_version(admin_client, name="new", bundle_path="/bundles/new", is_active="on")

    assert response.status_code == 302
    old.refresh_from_db()
    assert not old.is_active
    assert ModelVersion.objects.get(name="new").is_active


def test_the_list_action_names_the_version_plainly(admin_client):
    ModelVersionFactory(name="old")
    new = ModelVersionFactory(name="Kaggle4", is_active=False)

    response = admin_client.post(
        reverse("admin:classifier_modelversion_changelist"),
        {"action": "make_active", "_selected_action": [new.pk]},
        follow=True,
    )

    content = response.content.decode()
    assert "Kaggle4 is now the active version, instead of old." in content
    assert "Kaggle4 (active) is now" not in content


def test_a_broken_bundle_zip_is_refused_without_a_server_path(admin_client, media_root):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bundle.json", "{not json")
    buffer.seek(0)
    buffer.name = "broken.zip"

    response = add_version(admin_client, name="broken", bundle_zip=buffer)

    content = response.content.decode()
    assert "This bundle cannot be used" in content
    assert ".incoming-" not in content
    assert str(media_root) not in content
