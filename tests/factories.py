"""factory_boy factories for people beyond the demo organisation (the demo people come from ``cases.demo``)."""

import factory
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

from cases.models import Role, Unit, User


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n:03d}")
    display_name = factory.Sequence(lambda n: f"测试人员{n:03d}")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.set(Group.objects.filter(name__in=extracted))


class ProfessionalFactory(UserFactory):
    """A volunteer professional of the 三师服务分团 serving the 泰兴市 pool (the demo's lawyers' setup)."""

    username = factory.Sequence(lambda n: f"lawyer_extra{n:03d}")
    display_name = factory.Sequence(lambda n: f"律师{n:03d}")
    specialty = "legal"
    unit = factory.LazyFunction(lambda: Unit.objects.get(name="三师服务分团"))
    pool = factory.LazyFunction(lambda: Unit.objects.get(name="泰兴市"))
    roles = factory.LazyFunction(lambda: [Role.PROFESSIONAL])
