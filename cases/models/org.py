"""The organisation tree and the people in it.

A supervisor sees the subtree of their unit; a professional serves a pool (a unit and its subtree).
Subtree queries use treebeard's materialised path: ``unit__path__startswith=ancestor.path``.
"""

from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node


class UnitKind(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("County-level city or district")
    STREET = "street", _("Sub-district or town")
    PARK = "park", _("Industrial park")
    BUSINESS = "business", _("Business district")
    COMMUNITY = "community", _("Community")
    STATION = "station", _("Service station")
    STUDIO = "studio", _("Studio")


class OrganisationType(models.TextChoices):
    """What a unit is in the united-front work, besides its place in the tree: what it is assessed as
    (``honours``): a 三师服务团 has the 六个一 annual tasks, a 新联会 is graded 五强, a 工作室 六好."""

    NONE = "", _("None")
    SERVICE_TEAM = "service_team", _("Three-professionals service team")
    NEW_UNION = "new_union", _("New social strata association")
    STUDIO = "governance_studio", _("Social governance studio")


class Unit(MP_Node):
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    brand_name = models.CharField(_("brand name"), max_length=100, blank=True)
    organisation_type = models.CharField(
        _("organisation type"), max_length=20, choices=OrganisationType.choices, blank=True, default=""
    )

    node_order_by = ["name"]

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name

    def contains(self, other: "Unit") -> bool:
        """True when ``other`` is this unit or lies below it."""
        return other.path.startswith(self.path)


class Specialty(models.TextChoices):
    LEGAL = "legal", _("Legal")
    ACCOUNTING = "accounting", _("Accounting")
    TAX = "tax", _("Tax")


class Role(models.TextChoices):
    """Roles are auth groups of these names; the group gives the role, the unit gives the reach."""

    MEDIATOR = "mediator", _("Community mediator")
    LIAISON = "liaison", _("Liaison officer")
    PROFESSIONAL = "professional", _("Volunteer professional")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMINISTRATOR = "administrator", _("Administrator")


class User(AbstractUser):
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    phone = models.CharField(_("mobile number"), max_length=11, blank=True)
    specialty = models.CharField(
        _("specialty"),
        max_length=20,
        blank=True,
        choices=Specialty.choices,
    )
    pool = models.ForeignKey(
        Unit,
        verbose_name=_("service pool"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pool_members",
        help_text=_("A professional serves cases of this unit and every unit below it."),
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.display_name or self.username

    @cached_property
    def roles(self) -> frozenset[str]:
        """Role names of this user, read once per request (one query)."""
        if not self.is_authenticated:
            return frozenset()
        return frozenset(self.groups.values_list("name", flat=True))

    def has_role(self, role: str) -> bool:
        return role in self.roles
