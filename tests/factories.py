"""factory-boy factories for the people and labs every test needs.

UserFactory makes a user whose email is verified and primary in allauth, so the user can log
in straight away (ACCOUNT_EMAIL_VERIFICATION is mandatory). Pass ``email_verified=False`` for a
fresh sign-up that has not entered its code yet.
"""

import factory
from allauth.account.models import EmailAddress
from factory.django import DjangoModelFactory

from accounts.models import Lab, Membership, User

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
