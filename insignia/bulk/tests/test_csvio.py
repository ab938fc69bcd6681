"""Reading uploads: encodings, delimiters, Credly-style headers, refusals; safe CSV export."""

from __future__ import annotations

import csv
import io
import json

import pytest

from insignia.bulk.csvio import FileRefused, csv_safe, parse_file, write_csv

CREDLY = "Badge Template ID,Recipient Email,First Name,Last Name,Issued At\n"


def test_utf8_bom_is_stripped_and_credly_headers_are_mapped():
    data = ("\ufeff" + CREDLY + "t1,ana@example.com,Ana,Pérez,2024-01-02\n").encode()
    parsed = parse_file(data, "x.csv")
    assert parsed.encoding == "utf-8 (BOM)"
    (row_number, values, _raw) = parsed.rows[0]
    assert row_number == 2
    assert values["template"] == "t1"
    assert values["last_name"] == "Pérez"


def test_latin1_file_is_decoded_as_windows_1252():
    data = (CREDLY + "t1,jo@example.com,José,Müller,2024-01-02\n").encode("latin-1")
    parsed = parse_file(data, "x.csv")
    assert parsed.encoding == "windows-1252"
    assert parsed.rows[0][1]["first_name"] == "José"


def test_semicolon_delimiter_is_sniffed_and_headers_match_case_and_space_blind():
    data = (
        b"badge_template_id;RECIPIENT EMAIL;first name;LastName;issued date\n"
        b"t1;a@b.co;A;B;01/31/2024\n"
    )
    parsed = parse_file(data, "x.csv")
    assert parsed.rows[0][1] == {
        "template": "t1",
        "email": "a@b.co",
        "first_name": "A",
        "last_name": "B",
        "issued": "01/31/2024",
    }


def test_missing_required_column_is_one_file_error_naming_it_and_the_columns_found():
    data = b"Badge Template ID,First Name,Last Name,Issued At\nt1,A,B,2024-01-01\n"
    with pytest.raises(FileRefused) as exc:
        parse_file(data, "x.csv")
    assert "Recipient Email" in exc.value.message
    assert "'First Name'" in exc.value.message
    assert exc.value.code == "missing_column"


def test_binary_file_named_csv_is_refused_as_not_text():
    with pytest.raises(FileRefused) as exc:
        parse_file(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50, "badges.csv")
    assert "not a text CSV" in exc.value.message


def test_json_array_is_accepted_with_row_numbers_from_one():
    data = json.dumps(
        [
            {
                "badge_template_id": "t1",
                "recipient_email": "a@b.co",
                "recipient_name": "A B",
                "issued_at": "2024-01-01",
            }
        ]
    ).encode()
    parsed = parse_file(data, "x.json")
    assert parsed.rows[0][0] == 1
    assert parsed.rows[0][1]["name"] == "A B"


@pytest.mark.parametrize("value", ["=1+1", "+SUM(A1)", "-2", "@cmd", "\tx"])
def test_exported_cells_that_start_a_formula_are_neutralised(value):
    assert csv_safe(value) == "'" + value
    out = write_csv(["h"], [[value]])
    assert list(csv.reader(io.StringIO(out)))[1] == ["'" + value]


def test_plain_cells_are_exported_unchanged():
    assert csv_safe("ana@example.com") == "ana@example.com"
