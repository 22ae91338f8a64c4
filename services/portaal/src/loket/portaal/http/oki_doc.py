"""The OKI-doc as a form, questions from secondary schools and the answers, notes, forwarding (Zaanstad)."""

from __future__ import annotations

from fastapi import APIRouter

from loket.portaal.services import Services


def oki_doc_router(services: Services) -> APIRouter:
    router = APIRouter()
    return router
