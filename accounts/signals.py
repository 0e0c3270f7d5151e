"""Signals the rooms above listen to, so that accounts need not import them."""

from __future__ import annotations

from django.dispatch import Signal

# A staff member has just unlocked their reading key (signed in): ``user``.
reading_key_unlocked = Signal()
