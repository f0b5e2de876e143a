from datetime import date

from codedash.data.codes import dotted_icd10cm, fiscal_year, normalize_code


def test_normalize_code():
    assert normalize_code(" e11.65 ") == "E1165"
    assert normalize_code("Z 79.4") == "Z794"
    assert normalize_code("99214") == "99214"
    assert normalize_code("0DTJ4ZZ") == "0DTJ4ZZ"


def test_dotted_icd10cm():
    assert dotted_icd10cm("E1165") == "E11.65"
    assert dotted_icd10cm("e11.65") == "E11.65"
    assert dotted_icd10cm("I10") == "I10"
    assert dotted_icd10cm("S72001A") == "S72.001A"


def test_fiscal_year():
    assert fiscal_year(date(2025, 9, 30)) == 2025
    assert fiscal_year(date(2025, 10, 1)) == 2026
    assert fiscal_year(date(2026, 1, 15)) == 2026
    assert fiscal_year(date(2023, 12, 31)) == 2024
