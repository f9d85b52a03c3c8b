"""The algorithm enum is AWS's (the installed botocore model), and no algorithm has a Cognito encoding until AWS
documents one (docs/strategy.md)."""

from __future__ import annotations

import botocore.session
import pytest

from legacy_auth.errors import ConfigurationError
from legacy_auth.importing.algorithms import COGNITO_HASH_FORMAT, Algorithm, cognito_encoding, parse_algorithm
from legacy_auth.importing.errors import CognitoHashFormatUnknownError


def _model() -> object:
    return botocore.session.get_session().get_service_model("cognito-idp")


def test_the_enum_is_the_installed_botocore_password_hashing_algorithm_type() -> None:
    model = _model()
    shape = model.shape_for("PasswordHashingAlgorithmType")  # type: ignore[attr-defined]
    assert list(shape.enum) == [a.value for a in Algorithm]


def test_create_user_import_job_takes_the_algorithm_and_the_job_echoes_it() -> None:
    model = _model()
    request = model.operation_model("CreateUserImportJob").input_shape  # type: ignore[attr-defined]
    assert request.members["PasswordHashingAlgorithm"].name == "PasswordHashingAlgorithmType"
    assert "PasswordHashingAlgorithm" not in request.required_members
    job = model.shape_for("UserImportJobType")  # type: ignore[attr-defined]
    assert job.members["PasswordHashingAlgorithm"].name == "PasswordHashingAlgorithmType"


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_no_algorithm_has_a_cognito_encoding_while_aws_documents_none(algorithm: Algorithm) -> None:
    assert algorithm not in COGNITO_HASH_FORMAT
    with pytest.raises(CognitoHashFormatUnknownError) as caught:
        cognito_encoding(algorithm)
    assert caught.value.algorithm == algorithm.value
    assert caught.value.reason == "cognito_hash_format_unknown"
    assert "docs/strategy.md" in str(caught.value)


@pytest.mark.parametrize(("text", "expected"), [("bcrypt", Algorithm.BCRYPT), (" Argon2id ", Algorithm.ARGON2ID),
                                                ("PBKDF2_SHA256", Algorithm.PBKDF2_SHA256)])
def test_algorithm_names_are_read_case_insensitively(text: str, expected: Algorithm) -> None:
    assert parse_algorithm(text) is expected


@pytest.mark.parametrize("text", ["md5", "argon2i", "PBKDF2", "", "bcrypt,scrypt"])
def test_an_unknown_algorithm_is_a_configuration_error_naming_the_flag(text: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        parse_algorithm(text)
    assert caught.value.setting == "--algorithm"
    assert "BCRYPT, SCRYPT, ARGON2ID, PBKDF2_SHA256" in str(caught.value)
