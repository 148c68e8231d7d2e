"""Credentials: the model, synthesis from config and files, and the manager."""

from .model import Credential, ModelState, QuotaState

__all__ = ["Credential", "ModelState", "QuotaState"]
