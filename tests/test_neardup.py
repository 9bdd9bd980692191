"""Near-duplicate fingerprints: copies of a story match it, other reports of its race do not."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import numpy as np
import pytest
from datasketch import MinHash

from etl.dedup import neardup, permutations

THRESHOLD = neardup.DEFAULT_THRESHOLD

ORIGINAL = """\
Toyota Gazoo Racing won the Six Hours of Spa-Francorchamps on Saturday after a race shaped by \
two safety car periods and a late shower that caught out half of the Hypercar field.

Kamui Kobayashi started the #7 GR010 Hybrid from second on the grid and took the lead at the \
first round of pit stops, when Ferrari left its tyres on for a double stint that did not pay off.

Behind them Porsche Penske Motorsport recovered from a drive-through penalty for a pit lane \
speeding infringement, and Kevin Estre brought the #6 963 home in third place, eleven seconds \
down on the Ferrari of Antonio Fuoco, Miguel Molina and Nicklas Nielsen.

"We were not the fastest car in the dry but the team made no mistake all day," said Kobayashi. \
"When the rain came we had the right tyres at the right time and Nyck did a fantastic job."

In LMGT3 the Manthey Porsche of Richard Lietz held off the BMW of Valentino Rossi in the final \
hour, the two cars separated by less than a second after six hours of racing.

The championship now moves to Le Mans, where Toyota will arrive with a lead of fourteen points \
over Ferrari in the manufacturers' standings and the balance of performance still to be decided.
"""

SAME_RACE = """\
Ferrari was left to rue its strategy at Spa-Francorchamps, where the #50 499P of Antonio Fuoco, \
Miguel Molina and Nicklas Nielsen finished second behind Toyota after a double stint on old tyres.

Fuoco had led the opening hour from pole position, but the Italian team chose not to change \
tyres at the first stops and Kamui Kobayashi swept past in the #7 Toyota within two laps.

"It was a brave call and today it did not work," admitted Nielsen. "We lost the race there, \
not in the rain, and we have to understand why the tyres dropped so much in the second stint."

Porsche completed the podium with Kevin Estre, who recovered from a drive-through penalty, while \
the BMW of Valentino Rossi finished second in LMGT3 behind the Manthey Porsche of Richard Lietz.

Ferrari heads to Le Mans fourteen points behind Toyota in the manufacturers' standings, with the \
balance of performance for the 24 Hours still to be decided by the organisers.
"""


def paragraphs(text: str) -> list[str]:
    return text.strip().split("\n\n")


def similarity(a: str, b: str) -> float:
    return neardup.similarity(neardup.signature(a), neardup.signature(b))


def test_a_copy_under_another_headline_matches_its_original() -> None:
    copy = "Toyota takes Spa victory as rain catches out its rivals\n\n" + ORIGINAL
    assert similarity(ORIGINAL, copy) >= THRESHOLD


def test_a_copy_with_a_rewritten_first_paragraph_matches_its_original() -> None:
    rest = paragraphs(ORIGINAL)[1:]
    opening = (
        "Victory went to Toyota at Spa this weekend, in a Six Hours that was decided by the "
        "weather and by strategy rather than by pure speed."
    )
    assert similarity(ORIGINAL, "\n\n".join([opening, *rest])) >= THRESHOLD


def test_a_copy_with_a_source_footer_matches_its_original() -> None:
    copy = ORIGINAL + "\nSource: Toyota Gazoo Racing press release. Photos: FIA WEC.\n"
    assert similarity(ORIGINAL, copy) >= THRESHOLD


def test_a_copy_with_every_change_at_once_still_matches() -> None:
    rest = paragraphs(ORIGINAL)[1:]
    copy = "\n\n".join(
        ["Spa: Toyota wins in the rain", "Toyota won at Spa on Saturday.", *rest, "Source: WEC"]
    )
    assert similarity(ORIGINAL, copy) >= THRESHOLD


def test_another_report_on_the_same_race_does_not_match() -> None:
    assert similarity(ORIGINAL, SAME_RACE) < 0.1


def test_spacing_case_and_punctuation_do_not_change_a_signature() -> None:
    retyped = ORIGINAL.upper().replace("\n\n", "\n").replace('"', "«").replace(",", " ,")
    assert (neardup.signature(retyped) == neardup.signature(ORIGINAL)).all()


def test_on_the_sample_sites_copies_match_and_distinct_articles_do_not() -> None:
    from samplesite import build_sample_sites

    sites = build_sample_sites(articles=150, seed=3)
    texts: dict[tuple[str, str], str] = {}
    originals: dict[tuple[str, str], tuple[str, str]] = {}
    for name, site in sites.items():
        for spec in site.visible(1):
            key = (name, site.article_path(spec))
            texts[key] = "\n\n".join(site.paragraphs(spec))
            if (origin := site.original_of(spec)) is not None:
                originals[key] = origin
    keys = list(texts)
    sigs = np.array([neardup.signature(texts[k]) for k in keys])
    matching = {
        frozenset((keys[i], keys[j]))
        for i in range(len(keys))
        for j in np.flatnonzero((sigs[i] == sigs[i + 1 :]).mean(axis=1) >= THRESHOLD) + i + 1
    }
    assert originals
    assert matching == {frozenset(pair) for pair in originals.items()}


def test_the_signature_is_datasketchs_minhash_of_the_shingles() -> None:
    reference = MinHash(num_perm=neardup.NUM_PERM, seed=neardup.SEED, hashfunc=lambda h: h)
    reference.update_batch(neardup.shingle_hashes(ORIGINAL))
    assert (neardup.signature(ORIGINAL) == reference.hashvalues).all()


def test_the_estimate_is_close_to_the_true_jaccard_similarity() -> None:
    copy = ORIGINAL + "\nSource: Toyota Gazoo Racing press release. Photos: FIA WEC.\n"
    a, b = neardup.shingles(ORIGINAL), neardup.shingles(copy)
    assert similarity(ORIGINAL, copy) == pytest.approx(len(a & b) / len(a | b), abs=0.1)


def test_signatures_made_in_another_process_are_the_same() -> None:
    code = "import sys; from etl.dedup import neardup; " + (
        "sys.stdout.write(neardup.to_bytes(neardup.signature(sys.stdin.read())).hex())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], input=ORIGINAL, capture_output=True, text=True, check=True
    ).stdout
    assert bytes.fromhex(out) == neardup.to_bytes(neardup.signature(ORIGINAL))


def test_signatures_survive_their_stored_form() -> None:
    sig = neardup.signature(ORIGINAL)
    assert (neardup.from_bytes(neardup.to_bytes(sig)) == sig).all()


def test_every_band_has_its_own_key() -> None:
    keys = neardup.band_keys(neardup.signature(ORIGINAL))
    assert len(keys) == neardup.BANDS
    assert all(-(2**63) <= k < 2**63 for k in keys)


def test_a_copy_shares_band_keys_with_its_original_and_another_story_none() -> None:
    original = set(neardup.band_keys(neardup.signature(ORIGINAL)))
    copy = set(neardup.band_keys(neardup.signature(ORIGINAL + "\nSource: WEC press office.")))
    other = set(neardup.band_keys(neardup.signature(SAME_RACE)))
    assert original & copy
    assert not original & other


def test_a_text_without_words_matches_nothing() -> None:
    empty = neardup.signature(" -- \n ")
    assert neardup.band_keys(empty) == []
    assert neardup.similarity(empty, empty) == 0.0


def test_a_short_text_is_one_shingle() -> None:
    assert neardup.shingles("Toyota wins at Spa") == {"toyota wins at spa"}


def test_within_a_batch_a_later_copy_points_at_the_first_text() -> None:
    copy = ORIGINAL + "\nSource: WEC press office."
    second_copy = "Toyota wins at Spa\n\n" + ORIGINAL
    items = [
        ("original", neardup.signature(ORIGINAL)),
        ("other", neardup.signature(SAME_RACE)),
        ("copy", neardup.signature(copy)),
        ("second copy", neardup.signature(second_copy)),
    ]
    found = neardup.match_within(items, THRESHOLD)
    assert {key: match.earlier for key, match in found.items()} == {
        "copy": "original",
        "second copy": "original",
    }


def test_the_threshold_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(neardup.THRESHOLD_ENV, "0.65")
    assert neardup.threshold_from_env() == 0.65
    monkeypatch.delenv(neardup.THRESHOLD_ENV)
    assert neardup.threshold_from_env() == neardup.DEFAULT_THRESHOLD


def test_a_threshold_outside_zero_to_one_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(neardup.THRESHOLD_ENV, "1.5")
    with pytest.raises(ValueError, match=neardup.THRESHOLD_ENV):
        neardup.threshold_from_env()


def test_similarities_score_each_pair_as_similarity_does() -> None:
    texts = [ORIGINAL, ORIGINAL + "\nSource: WEC press office.", SAME_RACE, ""]
    sigs = [neardup.signature(t) for t in texts]
    pairs = [(a, b) for a in sigs for b in sigs]
    scores = neardup.similarities(np.stack([a for a, _ in pairs]), np.stack([b for _, b in pairs]))
    assert scores.tolist() == [neardup.similarity(a, b) for a, b in pairs]
    assert scores[-1] == 0.0, "an empty text matches nothing, not even itself"


# Digests of (shingle hashes, signature, band keys) computed with datasketch's private ``_fmix``,
# before neardup carried its own MurmurHash3 finalizer: stored signatures and band keys must not
# change (the public MinHash API covers the signature step only, not the 64-bit mixes).
PINNED_DIGESTS = {
    "Toyota won the Six Hours of Spa after two safety car periods and a late shower that caught "
    "out the field.": "58597db77e6c473f52cf1570e2ea1b345557adf2e221208fdab44312db0f3316",
    "Short text": "a5f09164f5d0f8690cbda39c59313391b3250bba987e5ec062ad9e63dbbeb376",
    "Le Mans: Ferrari takes pole, Porsche second; rain expected for the start on Saturday "
    "afternoon at four.": "c1d3c9f620524987923e3246d4096605ab049cba87454a7dd881c1add73d3c89",
}


@pytest.mark.parametrize("text", list(PINNED_DIGESTS))
def test_hashes_signatures_and_band_keys_are_bit_for_bit_unchanged(text: str) -> None:
    hashes = neardup.shingle_hashes(text)
    sig = neardup.signature(text)
    keys = neardup.band_keys(sig)
    data = (
        np.asarray(hashes, dtype="<u4").tobytes()
        + neardup.to_bytes(sig)
        + np.asarray(keys, dtype="<i8").tobytes()
    )
    assert hashlib.sha256(data).hexdigest() == PINNED_DIGESTS[text]


def test_the_written_out_permutations_are_datasketchs() -> None:
    drawn = MinHash(num_perm=neardup.NUM_PERM, seed=neardup.SEED, scheme=neardup.SCHEME)
    shipped = permutations.permutations()
    assert shipped.dtype == drawn.permutations.dtype
    assert (shipped == drawn.permutations).all()


def test_computing_signatures_does_not_import_datasketch_or_scipy() -> None:
    """Every cleaning worker and command computes signatures: scipy cost each ~0.6 CPU s."""
    code = (
        "import sys; from etl.dedup import neardup; neardup.signature('a b c d e f g h i j'); "
        "print(' '.join(m for m in ('datasketch', 'scipy') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
