"""factory-boy factories for the people, labs, cases, images and predictions tests need.

UserFactory makes a user whose email is verified and primary in allauth, so the user can log
in straight away (ACCOUNT_EMAIL_VERIFICATION is mandatory). Pass ``email_verified=False`` for a
fresh sign-up that has not entered its code yet.

ModelVersionFactory makes an "uploaded" version: it would load from MEDIA_ROOT/models/<id>/,
which the tests' fake classifier never reads. CellImageFactory makes a classified (done) image
with no stored file; PredictionFactory gives it the model's answer, its probabilities spread
over the version's other labels.
"""

import factory
from allauth.account.models import EmailAddress
from factory.django import DjangoModelFactory

from accounts.models import Lab, Membership, User
from classifier.models import Case, CellImage, ModelVersion, Prediction

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")

    @factory.post_generation
    def password(obj, create: bool, extracted: str | None, **kwargs) -> None:  # noqa: N805
        obj.set_password(extracted or DEFAULT_PASSWORD)
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def email_verified(obj, create: bool, extracted: bool | None, **kwargs) -> None:  # noqa: N805
        if create:
            EmailAddress.objects.update_or_create(
                user=obj,
                email=obj.email,
                defaults={"verified": extracted is not False, "primary": True},
            )


class LabFactory(DjangoModelFactory):
    class Meta:
        model = Lab
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Lab {n}")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    lab = factory.SubFactory(LabFactory)
    role = Membership.Role.TECHNOLOGIST


def probabilities_for(label: str, confidence: float, labels: list[str]) -> dict[str, float]:
    rest = (1.0 - confidence) / max(len(labels) - 1, 1)
    return {name: (confidence if name == label else rest) for name in labels}


class ModelVersionFactory(DjangoModelFactory):
    class Meta:
        model = ModelVersion

    name = factory.Sequence(lambda n: f"fake-v{n}")
    uploaded = True
    labels = factory.LazyFunction(lambda: ["lymphocyte", "neutrophil", "platelet"])
    input_spec = factory.LazyFunction(lambda: {"size": 224, "channels": 3})
    confidence_threshold = 0.5
    metadata = factory.LazyAttribute(lambda version: {"name": version.name})
    is_active = True


class CaseFactory(DjangoModelFactory):
    class Meta:
        model = Case

    lab = factory.SubFactory(LabFactory)
    accession = factory.Sequence(lambda n: f"A-{n:06d}")
    patient_ref = "P-0001"


class CellImageFactory(DjangoModelFactory):
    class Meta:
        model = CellImage

    case = factory.SubFactory(CaseFactory)
    original_name = factory.Sequence(lambda n: f"cell-{n}.jpg")
    sha256 = factory.Faker("sha256")
    size_bytes = 1024
    width = 360
    height = 363
    image_format = "JPEG"
    status = CellImage.Status.DONE


class PredictionFactory(DjangoModelFactory):
    class Meta:
        model = Prediction

    image = factory.SubFactory(CellImageFactory)
    model_version = factory.SubFactory(ModelVersionFactory)
    label = "neutrophil"
    confidence = 0.9
    probabilities = factory.LazyAttribute(
        lambda p: probabilities_for(p.label, p.confidence, p.model_version.labels)
    )
    elapsed_ms = 12
    unidentified = factory.LazyAttribute(
        lambda p: p.confidence < p.model_version.confidence_threshold
    )
