"""The server's unit of work and project fulfil the storage interface as
the file's do (tests/core/test_storage_interface.py): every method the
core may call exists with the same parameters. (No server needed.)"""

from __future__ import annotations

import inspect
import re

import pytest

from annotator.core.storage.interface import Store, UnitOfWork
from annotator.core.storage.postgres.project import ServerProject
from annotator.core.storage.postgres.unit import ServerUnit
from tests.core.test_storage_interface import _methods, _parameters


@pytest.mark.parametrize("name", sorted(_methods(UnitOfWork)))
def test_the_server_unit_has_every_method_of_the_unit_of_work_interface(name):
    assert _parameters(inspect.signature(getattr(ServerUnit, name))) == _parameters(_methods(UnitOfWork)[name])


def test_the_server_project_writes_through_a_unit_of_work():
    assert _parameters(inspect.signature(ServerProject.write)) == [("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]


@pytest.mark.parametrize("name", sorted(_methods(Store)))
def test_the_server_project_has_every_method_of_the_store_interface(name):
    assert _parameters(inspect.signature(getattr(ServerProject, name))) == _parameters(_methods(Store)[name])


@pytest.mark.parametrize("name", sorted(n for n in Store.__annotations__))
def test_both_projects_have_every_attribute_the_window_reads(name):
    from annotator.core.storage import Project

    for store in (Project, ServerProject):
        assert hasattr(store, name) or name in _set_in_init(store), (store.__name__, name)


def _set_in_init(store) -> set[str]:
    """The attributes `store.__init__` sets (an instance's, not the class's)."""
    return set(re.findall(r"^\s*self\.(\w+)\s*[:=]", inspect.getsource(store.__init__), re.MULTILINE))
