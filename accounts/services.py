"""Writes to entities and staff accounts."""

from __future__ import annotations

import base64
import secrets

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Entity, Role, User


@transaction.atomic
def staff_user_provision(
    *, username: str, role: str, entity: Entity | None, password: str, email: str = ""
) -> tuple[User, str]:
    """Create or reset a staff user with a password and one confirmed TOTP device.

    Returns the user and the TOTP secret in base32, the form authenticator apps accept.
    """
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    user, _ = User.objects.get_or_create(
        username=username, defaults={"role": role, "entity": entity}
    )
    user.role = role
    user.entity = entity
    user.email = email
    user.is_active = True
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    TOTPDevice.objects.filter(user=user).delete()
    secret = secrets.token_bytes(20)
    TOTPDevice.objects.create(user=user, name="default", key=secret.hex(), confirmed=True)
    return user, base64.b32encode(secret).decode()
