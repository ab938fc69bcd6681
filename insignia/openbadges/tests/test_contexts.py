from __future__ import annotations

import json
from importlib import resources

import pytest
from pyld import jsonld  # type: ignore[import-untyped, unused-ignore]

from insignia.openbadges.contexts import (
    OB2_CONTEXT_URL,
    OB3_CONTEXT_URL,
    UnknownContextError,
    bundled_context_urls,
    document_loader,
    load_context,
)


def test_ob2_context_is_bundled_and_defines_the_ob_terms() -> None:
    context = load_context(OB2_CONTEXT_URL)["@context"]
    assert context["obi"] == "https://w3id.org/openbadges#"
    assert context["Assertion"] == "obi:Assertion"


def test_ob2_alias_url_serves_the_same_document() -> None:
    assert load_context("https://openbadgespec.org/v2/context.json") == load_context(
        OB2_CONTEXT_URL
    )


def test_ob3_and_vc_contexts_are_bundled_for_later_work() -> None:
    urls = bundled_context_urls()
    assert OB3_CONTEXT_URL in urls
    assert "https://www.w3.org/ns/credentials/v2" in urls
    assert "https://w3id.org/security/data-integrity/v2" in urls


def test_every_mapped_file_exists_and_is_a_json_object() -> None:
    for url in bundled_context_urls():
        assert isinstance(load_context(url), dict), url


def test_every_context_file_in_the_folder_is_reachable_by_some_url() -> None:
    folder = resources.files("insignia.openbadges").joinpath("contexts")
    index = json.loads(folder.joinpath("index.json").read_text("utf-8"))
    files = {name for name in (p.name for p in folder.iterdir()) if name.endswith(("json", "ld"))}
    files.discard("index.json")
    assert files <= {target.split("/")[0] for target in index.values()} | {"ob2-extensions"}


def test_unknown_context_url_is_refused_with_the_url_in_the_error() -> None:
    with pytest.raises(UnknownContextError) as caught:
        load_context("https://evil.example/context.json")
    assert caught.value.url == "https://evil.example/context.json"
    assert "not bundled" in str(caught.value)


def test_fragment_does_not_change_which_context_is_loaded() -> None:
    assert load_context(OB2_CONTEXT_URL + "#frag") == load_context(OB2_CONTEXT_URL)


def test_load_context_returns_a_copy_the_caller_may_mutate() -> None:
    load_context(OB2_CONTEXT_URL)["@context"]["obi"] = "tampered"
    assert load_context(OB2_CONTEXT_URL)["@context"]["obi"] == "https://w3id.org/openbadges#"


def test_document_loader_returns_a_pyld_remote_document() -> None:
    remote = document_loader(OB2_CONTEXT_URL, {})
    assert remote["documentUrl"] == OB2_CONTEXT_URL
    assert remote["contextUrl"] is None
    assert remote["document"] == load_context(OB2_CONTEXT_URL)


def test_pyld_expands_an_ob2_assertion_offline_with_the_loader() -> None:
    document = {
        "@context": OB2_CONTEXT_URL,
        "type": "Assertion",
        "id": "https://example.org/a/1",
        "issuedOn": "2024-01-01T00:00:00Z",
    }
    expanded = jsonld.expand(document, {"documentLoader": document_loader})
    assert expanded[0]["@type"] == ["https://w3id.org/openbadges#Assertion"]


def test_pyld_with_an_unbundled_context_fails_with_our_error_as_the_cause() -> None:
    document = {"@context": "https://unknown.example/ctx", "name": "x"}
    with pytest.raises(jsonld.JsonLdError) as caught:
        jsonld.expand(document, {"documentLoader": document_loader})
    causes = []
    error: BaseException | None = caught.value
    while error is not None:
        causes.append(error)
        error = getattr(error, "cause", None) or error.__cause__
    assert any(isinstance(c, UnknownContextError) for c in causes)
