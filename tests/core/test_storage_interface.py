"""The SQLite project fulfils the storage interface a PostgreSQL backend
will implement too: every method the interface names exists with the same
parameters, so the core can be written against the interface alone."""

from __future__ import annotations

import inspect

import pytest

from annotator.core.storage import Project
from annotator.core.storage.interface import Store, UnitOfWork


def _methods(protocol) -> dict[str, inspect.Signature]:
    return {name: inspect.signature(member) for name, member in vars(protocol).items()
            if callable(member) and not name.startswith("_")}


def _parameters(signature: inspect.Signature) -> list[tuple[str, object]]:
    return [(p.name, p.kind) for p in signature.parameters.values()]


@pytest.mark.parametrize("name", sorted(_methods(Store)))
def test_the_project_has_every_method_of_the_store_interface(name):
    assert hasattr(Project, name)
    assert _parameters(inspect.signature(getattr(Project, name))) == _parameters(_methods(Store)[name])


@pytest.mark.parametrize("name", sorted(_methods(UnitOfWork)))
def test_a_write_unit_has_every_method_of_the_unit_of_work_interface(project, name):
    with project.write() as unit:
        assert _parameters(inspect.signature(getattr(type(unit), name))) == \
            _parameters(_methods(UnitOfWork)[name])
