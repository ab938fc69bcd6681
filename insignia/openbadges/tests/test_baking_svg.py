from __future__ import annotations

import json
from xml.etree.ElementTree import Element

import pytest
from defusedxml import ElementTree  # type: ignore[import-untyped, unused-ignore]
from hypothesis import given
from hypothesis import strategies as st

from insignia.openbadges.baking import (
    OB2_SVG_NAMESPACE,
    OB3_SVG_ELEMENT,
    OB3_SVG_NAMESPACE,
    BakingError,
    DuplicateChunkError,
    InvalidSvgError,
    InvalidTextError,
    bake_svg,
    detect_image_kind,
    unbake_svg,
)

from .factories import png
from .factories import vector as read_vector

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10"><rect width="1"/></svg>'
URL = "https://badges.example.org/a/1"
JSON = '{"id":"https://badges.example.org/a/1","type":"Assertion"}'
ASSERTION_TAG = f"{{{OB2_SVG_NAMESPACE}}}assertion"


def children(svg: bytes) -> list[Element]:
    return list(ElementTree.fromstring(svg))


def test_hosted_bake_puts_the_assertion_first_with_verify_url_and_json_body() -> None:
    baked = bake_svg(SVG, assertion_json=JSON, verify=URL)
    first = children(baked)[0]
    assert first.tag == ASSERTION_TAG
    assert first.get("verify") == URL
    assert first.text == JSON
    assert b'<svg xmlns="http://www.w3.org/2000/svg" width="10" xmlns:openbadges=' in baked
    assert unbake_svg(baked) == JSON


def test_the_rest_of_the_file_is_untouched() -> None:
    original = read_vector("baking/unbaked_example.svg")
    baked = bake_svg(original, assertion_json=JSON, verify=URL)
    declaration = b' xmlns:openbadges="http://openbadges.org"'
    start = baked.index(declaration)
    element_end = baked.index(b"</openbadges:assertion>") + len(b"</openbadges:assertion>")
    element_start = start + len(declaration) + 1  # after the `>` of <svg ...>
    assert (
        baked[:start] + baked[start + len(declaration) : element_start] + (baked[element_end:])
        == original
    )


def test_signed_bake_has_a_self_closing_element_and_unbakes_to_the_jws() -> None:
    jws = "eyJhbGciOiJSUzI1NiJ9.eyJpZCI6IngifQ.c2ln"
    baked = bake_svg(SVG, verify=jws)
    assert b'<openbadges:assertion verify="' + jws.encode() + b'"/>' in baked
    assert unbake_svg(baked) == jws


def test_ob3_embedded_proof_bake_has_json_body_and_no_verify() -> None:
    baked = bake_svg(SVG, assertion_json=JSON, namespace=OB3_SVG_NAMESPACE, element="credential")
    first = children(baked)[0]
    assert first.tag == f"{{{OB3_SVG_NAMESPACE}}}credential"
    assert first.get("verify") is None
    assert unbake_svg(baked, namespace=OB3_SVG_NAMESPACE, element=OB3_SVG_ELEMENT) == JSON
    assert unbake_svg(baked) is None


def test_rebaking_replaces_the_element_and_gives_the_same_bytes_as_a_fresh_bake() -> None:
    once = bake_svg(SVG, assertion_json='{"n":1}', verify=URL)
    twice = bake_svg(once, assertion_json='{"n":2}', verify=URL)
    assert twice == bake_svg(SVG, assertion_json='{"n":2}', verify=URL)
    assert [c.tag for c in children(twice)].count(ASSERTION_TAG) == 1
    assert twice.count(b"xmlns:openbadges") == 1


def test_rebaking_the_openbadges_bakery_sample_leaves_one_element() -> None:
    rebaked = bake_svg(read_vector("baking/baked_example.svg"), assertion_json=JSON, verify=URL)
    assert [c.tag for c in children(rebaked)].count(ASSERTION_TAG) == 1
    assert children(rebaked)[0].tag == ASSERTION_TAG
    assert unbake_svg(rebaked) == JSON


def test_openbadges_bakery_sample_unbakes_to_its_json() -> None:
    text = unbake_svg(read_vector("baking/baked_example.svg"))
    assert text is not None
    assert json.loads(text)["uid"] == "abcdef12345"
    assert unbake_svg(read_vector("baking/unbaked_example.svg")) is None


def test_existing_prefix_for_the_namespace_is_reused() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:ob="http://openbadges.org"></svg>'
    baked = bake_svg(svg, verify=URL)
    assert b'<ob:assertion verify="' in baked
    assert b"xmlns:openbadges" not in baked


def test_ob3_bake_of_an_ob2_baked_file_binds_its_prefix_locally() -> None:
    ob2 = bake_svg(SVG, assertion_json='{"v":2}', verify=URL)
    both = bake_svg(
        ob2, assertion_json='{"v":3}', namespace=OB3_SVG_NAMESPACE, element="credential"
    )
    assert unbake_svg(both) == '{"v":2}'
    assert unbake_svg(both, namespace=OB3_SVG_NAMESPACE, element="credential") == '{"v":3}'


def test_self_closing_svg_root_is_opened_to_hold_the_element() -> None:
    baked = bake_svg(b'<svg xmlns="http://www.w3.org/2000/svg"/>', verify="jws")
    assert baked.endswith(b'<openbadges:assertion verify="jws"/></svg>')
    assert unbake_svg(baked) == "jws"


def test_start_tag_with_gt_inside_an_attribute_value_is_handled() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" data-x="a>b"><g/></svg>'
    baked = bake_svg(svg, verify=URL)
    assert ElementTree.fromstring(baked).get("data-x") == "a>b"
    assert unbake_svg(baked) == URL


def test_cdata_terminator_and_carriage_returns_in_json_survive() -> None:
    text = '{"x":"]]>","y":"a\r\nb\rc"}'
    assert unbake_svg(bake_svg(SVG, assertion_json=text, verify=URL)) == text


def test_verify_attribute_special_characters_survive() -> None:
    verify = 'https://x.example/a?b=1&c="2"<\n\t>'
    baked = bake_svg(SVG, verify=verify)
    assert unbake_svg(baked) == verify


def test_characters_xml_cannot_hold_are_refused() -> None:
    with pytest.raises(InvalidTextError, match="U\\+0000"):
        bake_svg(SVG, assertion_json='{"x":"\x00"}', verify=URL)


def test_two_baked_elements_are_refused_when_unbaking() -> None:
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
        b'<openbadges:assertion verify="a"/><g><openbadges:assertion verify="b"/></g></svg>'
    )
    with pytest.raises(DuplicateChunkError, match="only one"):
        unbake_svg(svg)
    rebaked = bake_svg(svg, verify="c")
    assert unbake_svg(rebaked) == "c"


def test_element_without_body_or_verify_is_refused() -> None:
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
        b"<openbadges:assertion/></svg>"
    )
    with pytest.raises(InvalidSvgError, match="neither"):
        unbake_svg(svg)


def test_bake_needs_some_data() -> None:
    with pytest.raises(BakingError):
        bake_svg(SVG)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<svg><unclosed></svg>", "well-formed"),
        (b"not xml at all", "well-formed"),
        (b'<html xmlns="http://www.w3.org/1999/xhtml"/>', "root element"),
        (
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
            "safety",
        ),
        (b"\xff\xfe<\x00s\x00v\x00g\x00/\x00>\x00", "UTF-16"),
    ],
)
def test_invalid_or_unsafe_svg_is_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(InvalidSvgError, match=message):
        unbake_svg(data)
    with pytest.raises(InvalidSvgError, match=message):
        bake_svg(data, verify=URL)


def test_svg_in_another_declared_encoding_is_not_baked() -> None:
    svg = b'<?xml version="1.0" encoding="ISO-8859-1"?><svg xmlns="http://www.w3.org/2000/svg"/>'
    with pytest.raises(InvalidSvgError, match="UTF-8"):
        bake_svg(svg, verify=URL)


def test_utf8_declaration_and_bom_are_accepted() -> None:
    svg = b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>\n' + SVG
    baked = bake_svg(svg, assertion_json='{"name":"Café ✓"}', verify=URL)
    assert baked.startswith(b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>\n<svg')
    assert unbake_svg(baked) == '{"name":"Café ✓"}'


XML_TEXT = st.characters(exclude_categories=["Cs", "Cc"], exclude_characters="\ufffe\uffff")


@given(st.text(alphabet=XML_TEXT | st.sampled_from("\t\n\r]>")))
def test_any_xml_legal_text_round_trips(text: str) -> None:
    # Whitespace around the body is not significant (JSON, JWS) and is stripped on reading.
    baked = bake_svg(SVG, assertion_json=text + "]]>", verify=URL)
    assert unbake_svg(baked) == (text + "]]>").strip(" \t\r\n")


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (png(), "png"),
        (SVG, "svg"),
        (b'<?xml version="1.0"?>\n<!-- made by hand -->\n<svg/>', "svg"),
        (b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd">\n<svg:svg>', "svg"),
        (b"\xef\xbb\xbf  <svg\n>", "svg"),
        (b"<html><svg/></html>", None),
        (b"GIF89a", None),
        (b"", None),
    ],
)
def test_detect_image_kind_by_signature_or_root_element(data: bytes, kind: str | None) -> None:
    assert detect_image_kind(data) == kind


def test_svg_with_a_doctype_and_comments_before_the_root_bakes_without_fetching() -> None:
    svg = (
        b'<?xml version="1.0" standalone="no"?>\n'
        b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
        b'<!-- exported --><svg xmlns="http://www.w3.org/2000/svg"><g/></svg>'
    )
    baked = bake_svg(svg, verify=URL)
    assert baked.startswith(svg[: svg.index(b"<svg")])
    assert unbake_svg(baked) == URL
