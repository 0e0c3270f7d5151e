"""Model fields that hold only ciphertext.

An ``EncryptedField`` accepts a ``Ciphertext`` (made by ``vault.envelope.seal``) or ``None``.
Assigning a ``str`` or ``bytes`` raises ``PlaintextAssignmentError`` at once, so a plaintext
can never reach the database by a forgotten call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models.query_utils import DeferredAttribute


class PlaintextAssignmentError(TypeError):
    """Something tried to store a plain value in an encrypted column."""


class Ciphertext:
    """Bytes produced by the encryption core; opaque everywhere else."""

    __slots__ = ("blob",)

    def __init__(self, blob: bytes) -> None:
        self.blob = bytes(blob)

    def __repr__(self) -> str:
        return f"<Ciphertext {len(self.blob)} bytes>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ciphertext) and other.blob == self.blob

    def __hash__(self) -> int:
        return hash(self.blob)

    def __len__(self) -> int:
        return len(self.blob)


class _CiphertextDescriptor(DeferredAttribute):
    """Django's deferred loading, plus a guard on assignment."""

    field: EncryptedField

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.field.attname] = self.field.to_ciphertext(value)


if TYPE_CHECKING:
    # Django's fields are generic only to the type checker (no runtime subscript without
    # django-stubs-ext's monkeypatch, which is not loaded).
    _BinaryField = models.BinaryField[Ciphertext | None, Ciphertext | None]
else:
    _BinaryField = models.BinaryField


class EncryptedField(_BinaryField):
    """A ``bytea`` column that only ever stores AES-GCM ciphertext."""

    # What django-stubs' mypy plugin reports for instances: ciphertext, never plain bytes.
    _pyi_private_set_type: Ciphertext | None
    _pyi_private_get_type: Ciphertext | None  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    descriptor_class = _CiphertextDescriptor

    def to_ciphertext(self, value: Any) -> Ciphertext | None:
        if value is None or isinstance(value, Ciphertext):
            return value
        raise PlaintextAssignmentError(
            f"{self.model.__name__}.{self.name} is encrypted: seal the value with "
            "vault.envelope.seal() instead of assigning it."
        )

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Ciphertext | None:
        if value is None:
            return None
        return Ciphertext(bytes(value))

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, Ciphertext):
            raise PlaintextAssignmentError(
                f"{self.name}: refusing to store a non-ciphertext value."
            )
        return value.blob

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        value = self.get_prep_value(value) if not prepared else value
        if value is None:
            return None
        return connection.Database.Binary(value)

    def value_to_string(self, obj: Any) -> str:
        # Serialisation (dumpdata) must never reveal anything; ciphertext is exported as-is.
        value = self.value_from_object(obj)
        return "" if value is None else value.blob.hex()

    def to_python(self, value: Any) -> Any:
        # The hex that value_to_string writes (dumpdata) comes back as ciphertext (loaddata).
        if isinstance(value, str) and value:
            try:
                return Ciphertext(bytes.fromhex(value))
            except ValueError:
                raise PlaintextAssignmentError(f"{self.name}: expected hex ciphertext") from None
        return value
