"""`make run`'s settings (localdev/run.py): ports, secrets and template parameters."""

import pytest

from localdev.run import RunError, Settings, template_parameters


def test_run_reads_ports_and_secrets_from_the_environment():
    settings = Settings({"PORT": "3100", "AWS_PORT": "0", "X_CONSUMER_SECRET": "given", "X_BEARER_TOKEN": "bt"})
    assert (settings.gateway_port, settings.aws_port, settings.extension_port) == (3100, 0, 2773)
    assert (settings.consumer_secret, settings.consumer_secret_source) == ("given", "X_CONSUMER_SECRET")
    assert settings.credentials["bearer_token"] == "bt"
    assert settings.credentials["consumer_key"] == ""
    assert settings.emulator is False


def test_run_generates_a_dev_secret_when_none_is_given():
    first, second = Settings({}), Settings({})
    assert first.consumer_secret_source == "generated"
    assert len(first.consumer_secret) == 50
    assert first.consumer_secret != second.consumer_secret


@pytest.mark.parametrize("value", ["abc", "70000", "-1"])
def test_run_refuses_a_bad_port(value):
    with pytest.raises(RunError, match="PORT"):
        Settings({"PORT": value})


def test_run_takes_template_parameters_as_name_value_pairs():
    assert template_parameters(["ReplayDedup=disabled", "QueueType=standard"]) == {
        "ReplayDedup": "disabled",
        "QueueType": "standard",
    }
    assert template_parameters(["AlarmEmail="]) == {"AlarmEmail": ""}
    for bad in (["ReplayDedup"], ["=x"]):
        with pytest.raises(RunError, match="NAME=VALUE"):
            template_parameters(bad)
