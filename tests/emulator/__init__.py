"""A local emulator of the Infisical API (real HTTP on 127.0.0.1) for tests and the demo."""

from __future__ import annotations

from dataclasses import dataclass

from .server import Emulator, Fault, RecordedRequest
from .state import Project, User

__all__ = ["Emulator", "Fault", "RecordedRequest", "Seeded", "seed"]


@dataclass
class Seeded:
    """The demo world: one project, three environments, a few folders, an admin and a viewer."""

    project: Project
    other_project: Project
    admin: User
    viewer: User


def seed(emulator: Emulator) -> Seeded:
    state = emulator.state
    project = state.add_project(
        "Demo Project",
        [("Development", "dev"), ("Staging", "staging"), ("Production", "prod")],
        folders={
            "dev": ["/backend/api", "/backend/worker", "/frontend"],
            "staging": ["/backend"],
            "prod": ["/backend/api"],
        },
    )
    other = state.add_project("Other Project", [("Development", "dev")])
    admin = state.add_user("admin@example.com", {project.id: "admin", other.id: "admin"})
    viewer = state.add_user("viewer@example.com", {project.id: "viewer"})
    return Seeded(project, other, admin, viewer)
