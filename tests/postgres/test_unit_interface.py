"""The server's unit of work and project fulfil the storage interface as
the file's do (tests/core/test_storage_interface.py): every method the
core may call exists with the same parameters. (No server needed.)"""

from __future__ import annotations

import inspect

import pytest

from annotator.core.storage.interface import UnitOfWork
from annotator.core.storage.postgres.project import ServerProject
from annotator.core.storage.postgres.unit import ServerUnit
from tests.core.test_storage_interface import _methods, _parameters


@pytest.mark.parametrize("name", sorted(_methods(UnitOfWork)))
def test_the_server_unit_has_every_method_of_the_unit_of_work_interface(name):
    assert _parameters(inspect.signature(getattr(ServerUnit, name))) == _parameters(_methods(UnitOfWork)[name])


def test_the_server_project_writes_through_a_unit_of_work():
    assert _parameters(inspect.signature(ServerProject.write)) == [("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
