"""Every role documents each of its variables in defaults/main.yml (one comment line above it,
the name prefixed by the role's) and types it in meta/argument_specs.yml with the same default."""

import configparser

import pytest
import yaml
from conftest import ROOT

ROLES = sorted(path.parent.parent for path in (ROOT / "roles").glob("*/defaults/main.yml"))


def specs(role):
    """The options of every entry point of the role (uninstall has its own, for instance)."""
    path = role / "meta" / "argument_specs.yml"
    if not path.exists():
        return None
    options = {}
    for entry in yaml.safe_load(path.read_text())["argument_specs"].values():
        options.update(entry.get("options") or {})
    return options


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role.name)
def test_every_default_is_prefixed_documented_and_typed_with_the_same_default(role):
    text = (role / "defaults" / "main.yml").read_text()
    defaults = yaml.safe_load(text) or {}
    lines = text.splitlines()
    options = specs(role)
    for name, value in defaults.items():
        assert name.startswith(role.name + "_"), f"{role.name}: {name} is not prefixed by the role's name"
        index = next(number for number, line in enumerate(lines) if line.startswith(name + ":"))
        assert lines[index - 1].startswith("# "), f"{role.name}: {name} has no comment line above it"
        if options is None:
            continue
        assert name in options, f"{role.name}: {name} is not in meta/argument_specs.yml"
        templated = isinstance(value, str) and "{{" in value
        if not templated and "default" in options[name]:
            assert options[name]["default"] == value, f"{role.name}: {name} defaults differ"


def test_the_lab_accepts_exactly_the_releases_it_can_build():
    suites = yaml.safe_load((ROOT / "roles" / "lab" / "vars" / "main.yml").read_text())["lab_debian_suites"]
    specs = yaml.safe_load((ROOT / "roles" / "lab" / "meta" / "argument_specs.yml").read_text())
    choices = specs["argument_specs"]["main"]["options"]["lab_image_tag"]["choices"]
    assert sorted(choices) == sorted(suites)


def test_playbooks_run_by_hand_and_by_molecule_preload_the_jinja_plugins():
    """Both configurations enable the callback whose loading before the workers fork cut a no-op
    run's controller CPU by a third; a scenario without it would time a slower toolkit."""
    project = configparser.ConfigParser()
    project.read(ROOT / "ansible.cfg")
    enabled = [name.strip() for name in project["defaults"]["callbacks_enabled"].split(",")]
    assert "warm_plugins" in enabled
    assert (ROOT / project["defaults"]["callback_plugins"] / "warm_plugins.py").is_file()
    molecule = yaml.safe_load((ROOT / ".config" / "molecule" / "config.yml").read_text())["ansible"]["cfg"]["defaults"]
    assert "warm_plugins" in molecule["callbacks_enabled"].split(",")
    assert molecule["callback_plugins"] == "${MOLECULE_PROJECT_DIRECTORY}/plugins/callback"
