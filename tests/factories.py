"""factory_boy factories for people beyond the demo organisation (the demo people come from ``demo.org``).

Role groups are made by ``demo.org.build_org`` (the ``people`` / ``committed_people`` fixtures).
"""

import factory
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

from cases.models import Role, Unit, User


class ProfessionalFactory(DjangoModelFactory):
    """A lawyer of the 三师服务分团 serving the 泰兴市 pool, like the demo's ``lawyer``."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"lawyer_extra{n:03d}")
    display_name = factory.Sequence(lambda n: f"律师{n:03d}")
    specialty = "legal"
    unit = factory.LazyFunction(lambda: Unit.objects.get(name="三师服务分团"))
    pool = factory.LazyFunction(lambda: Unit.objects.get(name="泰兴市"))

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create:
            self.groups.set(Group.objects.filter(name__in=extracted or [Role.PROFESSIONAL]))


class MediatorFactory(DjangoModelFactory):
    """A community mediator of 成蹊新联之家 (海陵区), beside the demo's ``mediator_chengxi``."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"mediator_extra{n:03d}")
    display_name = factory.Sequence(lambda n: f"调解员{n:03d}")
    unit = factory.LazyFunction(lambda: Unit.objects.get(name="成蹊新联之家"))

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create:
            self.groups.set(Group.objects.filter(name__in=extracted or [Role.MEDIATOR]))
