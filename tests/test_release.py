"""Installing as written: the package builds into an sdist and a wheel that carry everything the
plugin needs (templates, assets, the scoring model, both entry points), with complete metadata;
the release workflow publishes on a version tag with trusted publishing; CI's compatibility
matrix builds every variant of scripts/compat.py; every install line a user copies works today."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
import yaml
from sites import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import compat  # scripts/compat.py: the variants CI builds

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
VERSION = PROJECT["version"]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`python -m build` as the release workflow runs it (isolated: setuptools from PyPI)."""
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


def test_the_wheel_carries_the_plugin_its_files_and_both_entry_points(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = f"mkdocs_postmortems-{VERSION}.dist-info"
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
        metadata = Parser().parsestr(archive.read(f"{info}/METADATA").decode())
    package = ROOT / "plugins"
    shipped = [
        p.relative_to(package).as_posix()
        for p in (package / "postmortems").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    assert len(shipped) > 40
    assert sorted(set(shipped) - names) == []  # every template, asset, YAML and module
    for group in ("mkdocs.plugins", "properdocs.plugins"):
        assert f"[{group}]\npostmortems = postmortems.site.plugin:PostmortemsPlugin" in entry_points
    assert "postmortems = postmortems.cli:main" in entry_points
    classifiers = metadata.get_all("Classifier") or []
    assert "Framework :: MkDocs" in classifiers and "Typing :: Typed" in classifiers
    urls = dict(url.split(", ", 1) for url in metadata.get_all("Project-URL") or [])
    assert {"Homepage", "Documentation", "Changelog", "Issues", "Source"} <= set(urls)
    assert metadata["License-Expression"] == "MIT" and metadata["Requires-Python"] == ">=3.10"
    assert metadata["Keywords"] and metadata["Author"]


def test_the_sdist_has_the_changelog_license_and_docs(dist: Path) -> None:
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"CHANGELOG.md", "LICENSE", "README.md", "pyproject.toml", "docs/pages/format.md"} <= names
    assert {"examples/requirements.txt", "examples/gitlab-ci.yml", "examples/github-postmortems.yml"} <= names
    assert f"## [{VERSION}]" in (ROOT / "CHANGELOG.md").read_text()


def test_the_release_workflow_publishes_tags_with_trusted_publishing() -> None:
    flow = yaml.safe_load((ROOT / ".github/workflows/release.yml").read_text())
    triggers = flow[True]  # YAML 1.1 reads the key `on` as true
    assert triggers == {"push": {"tags": ["v*"]}}
    assert flow["permissions"] == {"contents": "read"}
    build = " ".join(str(step.get("run", step.get("uses", ""))) for step in flow["jobs"]["build"]["steps"])
    assert "python -m build" in build and "actions/upload-artifact" in build
    assert "$GITHUB_REF_NAME" in build and "CHANGELOG.md" in build and "OWNER" in build
    assert "mkdocs build --strict" in build  # the built wheel, installed, builds the sample
    publish = flow["jobs"]["publish"]
    assert publish["needs"] == "build"
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["environment"]["name"] == "pypi"
    uses = [step.get("uses", "") for step in publish["steps"]]
    assert any(u.startswith("pypa/gh-action-pypi-publish@") for u in uses)
    assert not any("password" in str(step.get("with", {})) for step in publish["steps"])  # no token


# Where the release refuses to go on while OWNER is left (release.yml's own lines name it).
OWNED = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "docs", "examples", "content", ".github")


def owner_check(root: Path) -> subprocess.CompletedProcess[str]:
    """The release workflow's OWNER step, run by bash in root as the workflow runs it."""
    flow = yaml.safe_load((ROOT / ".github/workflows/release.yml").read_text())
    (step,) = [s for s in flow["jobs"]["build"]["steps"] if "OWNER" in s.get("name", "")]
    return subprocess.run(["bash", "-ec", step["run"]], cwd=root, capture_output=True, text=True, timeout=60)


def test_the_release_refuses_while_owner_is_left_in_any_file_a_user_reads(tmp_path: Path) -> None:
    for name in OWNED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("site", "__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    refused = owner_check(tmp_path)
    assert refused.returncode == 1
    errors = {line.split("::")[1] for line in refused.stdout.splitlines() if line.startswith("::error ")}
    files = {error.split(",")[0].removeprefix("error file=") for error in errors}
    assert {"pyproject.toml", "README.md", "examples/requirements.txt", "docs/pages/ci.md"} <= files
    assert {".github/workflows/postmortems.yml", ".pre-commit-hooks.yaml"} <= files
    assert ".github/workflows/release.yml" not in files  # its own lines name the placeholder

    for path in tmp_path.rglob("*"):  # the owner filled in everywhere but in release.yml
        if path.is_file() and path.name != "release.yml":
            path.write_text(path.read_text(encoding="utf-8").replace("github.com/OWNER/", "github.com/acme/"))
    assert owner_check(tmp_path).returncode == 0
    (tmp_path / "content" / "guide.md").write_text("See https://github.com/OWNER/mkdocs-postmortems.\n")
    again = owner_check(tmp_path)
    assert again.returncode == 1 and "::error file=content/guide.md,line=1::" in again.stdout


def test_ci_builds_every_compatibility_variant() -> None:
    ci = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text())
    job = ci["jobs"]["compat"]
    assert job["strategy"]["matrix"]["variant"] == list(compat.VARIANTS)
    runs = [step.get("run", "") for step in job["steps"]]
    assert 'python -m pip install -e ".[compat]"' in runs
    assert "python scripts/compat.py ${{ matrix.variant }}" in runs
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    assert "mkdocs-postmortems[compat]" in extras["test"]

    def names(requirements: list[str]) -> set[str]:
        return {re.split(r"[<>=\[]", requirement)[0] for requirement in requirements}

    # ProperDocs is no extra: the plugin depends on it, as ProperDocs asks the plugins that support it.
    assert "properdocs" in names(project["dependencies"])
    assert names(extras["compat"]) == {
        "mkdocs-static-i18n",
        "mkdocs-awesome-nav",
        "mkdocs-awesome-pages-plugin",
        "mkdocs-redirects",
        "mkdocs-macros-plugin",
    }


# What a user copies to install the plugin: a form that works before the first release on PyPI.
GIT_INSTALL = re.compile(
    r"mkdocs-postmortems @ git\+https://github\.com/[^/\s]+/mkdocs-postmortems@v" + re.escape(VERSION)
)
COPIED = ("README.md", "docs/pages/getting-started.md", "examples/requirements.txt", "examples/gitlab-ci.yml",
          "examples/github-postmortems.yml", ".github/workflows/postmortems.yml",
          ".github/workflows/postmortems-digest.yml")  # fmt: skip
# The GitHub workflows a user copies, and the repository each runs in: this one, or (the example)
# a handbook's, where the requirements.txt it names is the example beside it.
WORKFLOWS = {".github/workflows/postmortems.yml": ROOT, ".github/workflows/postmortems-digest.yml": ROOT,
             "examples/github-postmortems.yml": ROOT / "examples"}  # fmt: skip


@pytest.mark.parametrize("path", COPIED)
def test_every_install_line_names_the_git_tag_not_a_pypi_release(path: str) -> None:
    text = (ROOT / path).read_text()
    assert GIT_INSTALL.search(text), f"{path} has no install line of the form {GIT_INSTALL.pattern}"
    bare = [line for line in text.splitlines() if re.search(r"pip install mkdocs-postmortems(\s|$)", line)]
    assert bare == [], f"{path}: 'pip install mkdocs-postmortems' finds nothing before the first release"


def test_the_ci_page_shows_the_example_files_as_they_are() -> None:
    ci = (ROOT / "docs/pages/ci.md").read_text()
    for example in ("examples/requirements.txt", "examples/gitlab-ci.yml", "examples/github-postmortems.yml"):
        assert f'--8<-- "{example}"' in ci  # pymdownx.snippets, check_paths: a missing file fails the build
    assert not re.search(r"pip install mkdocs-postmortems(\s|$)", ci)


@pytest.mark.parametrize("path", WORKFLOWS)
def test_cache_pip_is_keyed_on_a_file_that_exists(path: str) -> None:
    flow = yaml.safe_load((ROOT / path).read_text())
    cached = 0
    for job in flow["jobs"].values():
        for step in job.get("steps", []):
            if str(step.get("uses", "")).startswith("actions/setup-python") and step["with"].get("cache"):
                assert step["with"].get("cache-dependency-path") == "${{ env.DEPENDENCIES }}", path
                cached += 1
    assert cached, f"{path}: no setup-python step with cache: pip"
    assert (WORKFLOWS[path] / flow["env"]["DEPENDENCIES"]).is_file(), path
    # The install is the one the comment tells a user to make: from the dependency file named.
    if WORKFLOWS[path] != ROOT:
        assert flow["env"]["INSTALL"] == f"pip install -r {flow['env']['DEPENDENCIES']}"


def test_the_pre_commit_example_names_the_tag_of_this_version() -> None:
    for path in (".pre-commit-hooks.yaml", "docs/pages/ci.md"):
        revs = re.findall(r"^[ #]*rev: (\S+)", (ROOT / path).read_text(), re.MULTILINE)
        assert revs and set(revs) == {f"v{VERSION}"}, path
