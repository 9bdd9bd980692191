"""Site files: TOML read into SiteDescription, defaults from a base URL alone, and every mistake
refused in one line that names the file, the site and the field."""

from __future__ import annotations

import re
import tomllib
from dataclasses import fields
from pathlib import Path

import pytest

from crawler.registry import SHIPPED_FILE, all_sites
from crawler.site_files import NOT_IN_FILES, SiteFileError, read_site_file, site_to_toml
from crawler.sites import COMMON_DENY, DEFAULT_LISTING_DEPTH, Politeness, SiteDescription
from flows.cli import main

FILE_FIELDS = [f.name for f in fields(SiteDescription) if f.name not in NOT_IN_FILES]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PITBOARD_HOME", str(tmp_path))
    monkeypatch.delenv("PITBOARD_SITES_FILE", raising=False)
    (tmp_path / "sites.d").mkdir()
    return tmp_path


def write(home: Path, body: str, name: str = "mine.toml") -> Path:
    path = home / "sites.d" / name
    path.write_text(body, encoding="utf-8")
    return path


def test_a_base_url_is_enough(home: Path) -> None:
    path = write(home, '[sites.mine]\nbase_url = "https://news.example.org/"\n')
    (site,) = read_site_file(path)
    assert site.name == "mine" and site.base_url == "https://news.example.org"
    assert site.allowed_domains == ("news.example.org", "www.news.example.org")
    assert site.start_paths == ("/",) and site.robots_sitemaps
    assert site.listing_depth == DEFAULT_LISTING_DEPTH
    assert site.is_on_site("https://www.news.example.org/a") and site.is_denied(
        "https://news.example.org/wp-admin/"
    )
    assert site.source == str(path)
    assert all_sites()["mine"] == site


BAD_FILES = [
    # (what is wrong, the site table's body, the field named, words of the message)
    (
        "unknown field",
        'base_url = "https://a.example"\nstart_path = ["/"]',
        "start_path",
        "unknown",
    ),
    (
        "wrong type",
        'base_url = "https://a.example"\nlisting_depth = "2"',
        "listing_depth",
        "integer",
    ),
    (
        "list expected",
        'base_url = "https://a.example"\nfeed_paths = "/feed/"',
        "feed_paths",
        "list",
    ),
    (
        "bad regular expression",
        "base_url = \"https://a.example\"\narticle_patterns = ['^/news/(\\d+$']",
        "article_patterns",
        "bad regular expression",
    ),
    ("URL without a scheme", 'base_url = "www.a.example"', "base_url", "has no scheme"),
    ("no base URL", 'languages = ["fr"]', "base_url", "missing"),
    (
        "politeness field",
        'base_url = "https://a.example"\npoliteness = { download_dealy = 2.0 }',
        "politeness.download_dealy",
        "unknown",
    ),
    ("cadence", 'base_url = "https://a.example"\ncadence = "hourly"', "cadence", "cron"),
]


@pytest.mark.parametrize(
    ("problem", "body", "field", "words"), BAD_FILES, ids=[b[0] for b in BAD_FILES]
)
def test_a_malformed_site_file_is_refused_in_one_line_naming_file_site_and_field(
    home: Path,
    problem: str,
    body: str,
    field: str,
    words: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = write(home, f"[sites.broken]\n{body}\n")
    with pytest.raises(SiteFileError) as raised:
        read_site_file(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: site 'broken': field '{field}': "), message
    assert words in message and "\n" not in message
    # Every command reports it the same way: one line, exit code 2, no traceback.
    assert main(["sites"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err


def test_toml_syntax_and_a_taken_name_are_refused_in_one_line(home: Path) -> None:
    path = write(home, "[sites.x]\nbase_url = https://a.example\n")
    with pytest.raises(SiteFileError, match=rf"^{path}: is not valid TOML: "):
        read_site_file(path)
    path.write_text('[sites.fiawec]\nbase_url = "https://b.example"\n')
    with pytest.raises(SiteFileError, match="site 'fiawec': already defined in crawler/data"):
        all_sites()
    path.write_text('[site.mine]\nbase_url = "https://b.example"\n')
    with pytest.raises(SiteFileError, match=r"unknown top-level key 'site'"):
        read_site_file(path)


def test_pitboard_sites_file_adds_one_more_file(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = tmp_path / "extra.toml"
    extra.write_text('[sites.extra]\nbase_url = "http://127.0.0.1:8765"\nlanguages = ["en"]\n')
    monkeypatch.setenv("PITBOARD_SITES_FILE", str(extra))
    site = all_sites()["extra"]
    assert site.source == str(extra)
    # a base URL with a port accepts that port only
    assert site.is_on_site("http://127.0.0.1:8765/x") and not site.is_on_site(
        "http://127.0.0.1:1/x"
    )


def test_a_written_description_reads_back_equal(home: Path) -> None:
    site = SiteDescription(
        name="odd-one",
        base_url="https://odd.example",
        languages=("fr", "en"),
        start_paths=("/", "/l'actu/"),
        sitemap_paths=("/sitemap.xml", "https://odd.example/news-sitemap.xml"),
        feed_paths=('/feed "main"/',),
        article_patterns=(r"^/\d{4}/[a-z0-9-]+\.html$", "^/it's/\\d+$"),
        deny_patterns=("^/tab\there$",),
        common_deny=False,
        listing_depth=1,
        cadence="*/15 * * * *",
        politeness=Politeness(download_delay=1.5, concurrent_requests_per_domain=2),
    )
    path = write(home, site_to_toml(site))
    assert read_site_file(path) == [site]


def test_the_shipped_real_sites_keep_the_common_deny_list_and_their_own() -> None:
    sites = read_site_file(SHIPPED_FILE)
    assert sites and all(s.common_deny and s.deny_patterns for s in sites)
    for site in sites:
        # ``COMMON_DENY`` applies: a WordPress admin path is never followed
        assert site.is_denied(site.absolute("/wp-admin/")), site.name
        assert all(p not in site.deny_patterns for p in COMMON_DENY)


README = Path(__file__).resolve().parent.parent / "README.md"


def adding_a_site_section() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split("## Adding a site", 1)[1].split("\n## ", 1)[0]


def test_the_readmes_example_file_is_valid_and_sets_every_field(home: Path) -> None:
    section = adding_a_site_section()
    (example,) = re.findall(r"```toml\n(.*?)```", section, flags=re.S)
    (site,) = read_site_file(write(home, example))
    table = tomllib.loads(example)["sites"][site.name]
    assert set(table) == set(FILE_FIELDS)
    listed = set(re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.M))
    assert listed == set(FILE_FIELDS)
