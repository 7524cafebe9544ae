"""Cheap argon2 parameters: the tests check logic, not hashing cost (the app keeps its defaults)."""

from __future__ import annotations

from argon2 import PasswordHasher

FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
