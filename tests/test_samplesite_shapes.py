"""The sample sites' URL shapes: every generated URL has the shape ``samplesite.shapes`` states,
and that module stays light enough for the crawler to import."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from samplesite import SampleSite, build_sample_sites
from samplesite.shapes import SHAPES, SiteShape

PACKAGE = Path(__file__).resolve().parent.parent / "samplesite"


def matches(pattern: str, path: str) -> bool:
    return re.search(pattern, path) is not None


def follows(shape: SiteShape, path: str) -> bool:
    return any(matches(p, path) for p in shape.follow_patterns)


@pytest.fixture(scope="module")
def sites() -> dict[str, SampleSite]:
    return build_sample_sites(articles=40, seed=7)


@pytest.mark.parametrize("name", sorted(SHAPES))
@pytest.mark.parametrize("edition", [1, 2])
def test_every_generated_path_has_the_shape_of_its_kind(
    sites: dict[str, SampleSite], name: str, edition: int
) -> None:
    site, shape = sites[name], SHAPES[name]
    assert site.shape is shape
    kinds: dict[str, int] = {}
    for truth in site.truth(edition):
        if truth.status != 200:  # the dead link looks like a deleted article, on purpose
            continue
        paths = (truth.path, site.twin_path(truth.path))
        if truth.kind == "article" and truth.reachable:
            assert all(matches(shape.article_pattern, p) for p in paths), truth.path
        elif truth.kind == "article":
            assert all(matches(shape.draft_pattern, p) for p in paths), truth.path
            assert not matches(shape.article_pattern, truth.path), truth.path
        elif truth.kind == "gallery":
            assert all(matches(shape.gallery_pattern, p) for p in paths), truth.path
        if truth.kind in ("gallery", "listing"):
            assert follows(shape, truth.path), truth.path
            assert not any(matches(p, truth.path) for p in shape.article_patterns), truth.path
        kinds[truth.kind] = kinds.get(truth.kind, 0) + 1
    assert {"article", "gallery", "listing"} <= set(kinds)
    assert follows(shape, site.planted.redirect_from)
    assert site.render(site.planted.redirect_from).status == 301


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_the_discovery_paths_are_those_the_site_serves(
    sites: dict[str, SampleSite], name: str
) -> None:
    site, shape = sites[name], SHAPES[name]
    assert site.start_paths == shape.start_paths + shape.sitemap_paths + shape.feed_paths
    assert site.feed_paths == shape.feed_paths and site.sitemap_paths == shape.sitemap_paths
    robots = site.render(site.robots_path).text
    assert all(f"Sitemap: {site.url(p)}" in robots for p in shape.sitemap_paths)
    assert f"Disallow: {shape.drafts_prefix}" in robots
    for path in shape.start_paths + shape.sitemap_paths + shape.feed_paths:
        assert site.render(path).status == 200, path


def loaded_after(statement: str) -> list[str]:
    code = f"import sys\n{statement}\nprint(' '.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_the_crawler_imports_the_shapes_and_no_other_samplesite_module() -> None:
    loaded = loaded_after("import crawler.sites")
    assert [m for m in loaded if m.split(".")[0] == "samplesite"] == [
        "samplesite",
        "samplesite.shapes",
    ]


def test_the_shapes_module_imports_no_other_samplesite_module() -> None:
    loaded = loaded_after("import samplesite.shapes")
    assert [m for m in loaded if m.split(".")[0] == "samplesite"] == [
        "samplesite",
        "samplesite.shapes",
    ]


def test_samplesite_imports_nothing_from_crawler_etl_or_flows() -> None:
    # Every import statement counts, those under TYPE_CHECKING and inside functions too.
    for source in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            tops = {name.split(".")[0] for name in names}
            assert not tops & {"crawler", "etl", "flows"}, (source.name, names)
