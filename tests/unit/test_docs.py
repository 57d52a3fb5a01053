"""The README stays a first page that leads to the docs site, and the deploy story the pages tell holds
for the template and samconfig.toml as they are. (`make docs` checks the site's own links and anchors:
mkdocs build --strict; tests/e2e/test_docs_aws_commands.py runs the pages' `aws` commands.)"""

import re
import tomllib
from pathlib import Path

import pytest
import yaml

from localdev.template import load_template

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
DOCS = REPO / "docs"
LINK = re.compile(r"\]\(([^)#\s]+)(#[^)\s]*)?\)")


def nav_pages(entries):
    for entry in entries:
        for value in entry.values() if isinstance(entry, dict) else [entry]:
            yield from nav_pages(value) if isinstance(value, list) else [value]


@pytest.fixture(scope="module")
def nav():
    return list(nav_pages(yaml.safe_load((REPO / "mkdocs.yml").read_text())["nav"]))


@pytest.fixture(scope="module")
def parameters():
    return load_template()["Parameters"]


def test_the_readme_is_at_most_200_lines():
    assert len(README.read_text().splitlines()) <= 200


def test_every_relative_link_of_the_readme_reaches_a_file_of_the_repository():
    targets = [target for target, _ in LINK.findall(README.read_text()) if "://" not in target]
    assert [target for target in targets if not (REPO / target).exists()] == []


def test_the_readme_links_every_page_of_the_docs_site_but_its_home(nav):
    linked = {target for target, _ in LINK.findall(README.read_text())}
    # The home page is the README's own introduction.
    assert [page for page in nav if page != "index.md" and f"docs/{page}" not in linked] == []


def test_every_markdown_file_under_docs_is_a_page_of_the_site(nav):
    assert sorted(str(path.relative_to(DOCS)) for path in DOCS.rglob("*.md")) == sorted(nav)


def test_the_deploy_page_says_how_many_parameters_the_template_has(parameters):
    assert f"template's {len(parameters)} parameters" in (DOCS / "deploy.md").read_text()


def test_the_settings_page_says_how_many_parameters_the_template_has(parameters):
    assert f"template's {len(parameters)} parameters" in (DOCS / "settings.md").read_text()


def test_samconfigs_note_on_guided_deploy_counts_the_templates_parameters(parameters):
    assert f"questions with the {len(parameters)} parameters" in (REPO / "samconfig.toml").read_text()


def test_the_settings_page_lists_every_template_parameter(parameters):
    text = (DOCS / "settings.md").read_text().split("## Function environment")[0]
    assert [name for name in parameters if f"`{name}`" not in text] == []


def test_every_template_parameter_has_a_default_so_sam_deploy_asks_for_none(parameters):
    assert [name for name, spec in parameters.items() if "Default" not in spec] == []


@pytest.fixture(scope="module")
def deploy_settings():
    config = tomllib.loads((REPO / "samconfig.toml").read_text())
    return {**config["default"]["global"]["parameters"], **config["default"]["deploy"]["parameters"]}


def test_samconfig_names_the_stack_so_sam_deploy_does_not_ask(deploy_settings):
    assert deploy_settings["stack_name"] == "xwebhook"


def test_samconfig_lets_sam_manage_the_artifacts_bucket(deploy_settings):
    assert deploy_settings["resolve_s3"] is True


def test_samconfig_grants_the_iam_capability_the_template_needs(deploy_settings):
    assert deploy_settings["capabilities"] == "CAPABILITY_IAM"


def test_samconfig_keeps_the_change_set_question_the_deploy_page_counts(deploy_settings):
    assert deploy_settings["confirm_changeset"] is True
