"""The error every request path raises: rendered as JSON {code, name, description}."""
from __future__ import annotations

from http import HTTPStatus


class ServiceError(Exception):
    """An error answered to the client with HTTP `status` and a JSON body."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = int(status)
        self.description = description

    @property
    def name(self) -> str:
        try:
            return HTTPStatus(self.status).phrase
        except ValueError:
            return "Error"

    def json(self) -> dict:
        # `code` is a number, as the Swift ServiceKit renders it.
        return {"code": self.status, "name": self.name, "description": self.description}


def bad_request(description: str) -> ServiceError:
    return ServiceError(400, description)


def not_found(description: str) -> ServiceError:
    return ServiceError(404, description)


def bad_gateway(description: str) -> ServiceError:
    return ServiceError(502, description)


def internal(description: str) -> ServiceError:
    return ServiceError(500, description)
