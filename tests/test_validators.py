"""cases.validators (统一社会信用代码, 居民身份证号码, mobile numbers) and cases.masking.

Each refusal is checked in both languages: the Chinese text under ``override("zh-hans")`` (the site's language,
from locale/zh_Hans) and the msgid under ``override("en")``. Messages are lazy, so they are read inside the override.
"""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from cases.masking import mask_id_number, mask_phone
from cases.validators import (
    credit_code_check_character,
    id_number_check_digit,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
)

# (msgid, zh_Hans translation)
CREDIT_CODE_FORMAT = (
    "A unified social credit code has 18 digits or capital letters (no I, O, Z, S or V).",
    "统一社会信用代码由18位数字或大写字母组成（不含I、O、Z、S、V）。",
)
CREDIT_CODE_CHECK = (
    "This unified social credit code is wrong: its check character does not match.",
    "统一社会信用代码有误：校验码不符。",
)
ID_NUMBER_FORMAT = (
    "A resident ID number has 17 digits followed by a digit or X.",
    "居民身份证号码由17位数字加1位数字或X组成。",
)
ID_NUMBER_CHECK = ("This ID number is wrong: its check digit does not match.", "身份证号码有误：校验码不符。")
MOBILE = (
    "Enter a mainland mobile number: 11 digits starting with 13 to 19.",
    "请输入11位中国大陆手机号码（以13至19开头）。",
)


def refusal(validator, value: str) -> tuple[str, tuple[str, str]]:
    """The error code, and the one message in English and in Chinese."""
    with pytest.raises(ValidationError) as excinfo:
        validator(value)
    error = excinfo.value
    with translation.override("en"):
        (english,) = error.messages
    with translation.override("zh-hans"):
        (chinese,) = error.messages
    return error.code, (english, chinese)


# ---- 统一社会信用代码 (GB 32100-2015) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y43",  # the standard's own example
        "9144030071526726XG",  # 腾讯科技（深圳）有限公司
        "91330100799655058B",  # 阿里巴巴（中国）有限公司
        "91350100m000100y43",  # lower case is read as upper case
        " 91350100M000100Y43 ",  # surrounding blanks are ignored
    ],
)
def test_validate_credit_code_accepts_a_code_whose_check_character_matches(code):
    # given a code with a correct check character / when validated / then nothing is raised
    assert validate_credit_code(code) is None


def test_credit_code_check_character_is_the_mod_31_complement():
    # given the first 17 characters of the standard's example / when the check character is computed
    # then it is the 18th character of the example
    assert credit_code_check_character("91350100M000100Y4") == "3"


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y4",  # 17 characters
        "91350100M000100Y431",  # 19 characters
        "91350100M000100I43",  # I is not in the alphabet
        "91350100M000100O43",  # nor O
        "91350100M000100Z43",  # nor Z
        "91350100M000100S43",  # nor S
        "91350100M000100V43",  # nor V
        "91350100M000100Y4-",
        "",
    ],
)
def test_validate_credit_code_refuses_a_malformed_code(code):
    # given a code of the wrong length or with a character outside the alphabet / when validated
    code_name, messages = refusal(validate_credit_code, code)

    # then the format message is given
    assert (code_name, messages) == ("credit_code_format", CREDIT_CODE_FORMAT)


@pytest.mark.parametrize("code", ["91350100M000100Y42", "91350100M000100Y4A", "91350100M000101Y43"])
def test_validate_credit_code_refuses_a_wrong_check_character(code):
    # given a well-formed code whose check character does not match / when validated
    code_name, messages = refusal(validate_credit_code, code)

    # then the check message is given
    assert (code_name, messages) == ("credit_code_check", CREDIT_CODE_CHECK)


# ---- 居民身份证号码 (GB 11643-1999) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002X",  # the standard's own example
        "11010519491231002x",  # lower-case x is read as X
        "440308199901010012",
    ],
)
def test_validate_id_number_accepts_a_number_whose_check_digit_matches(number):
    assert validate_id_number(number) is None


def test_id_number_check_digit_is_iso_7064_mod_11_2():
    assert id_number_check_digit("11010519491231002") == "X"
    assert id_number_check_digit("44030819990101001") == "2"


@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002",
        "11010519491231002XX",
        "1101051949123100X2",
        "11010519491231002Y",
        "",
        "110105194912310O2X",
    ],
)
def test_validate_id_number_refuses_a_malformed_number(number):
    code_name, messages = refusal(validate_id_number, number)

    assert (code_name, messages) == ("id_number_format", ID_NUMBER_FORMAT)


@pytest.mark.parametrize("number", ["110105194912310021", "440308199901010011", "44030819990101001X"])
def test_validate_id_number_refuses_a_wrong_check_digit(number):
    code_name, messages = refusal(validate_id_number, number)

    assert (code_name, messages) == ("id_number_check", ID_NUMBER_CHECK)


# ---- mobile numbers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["13812341234", "19912345678", "15000000000"])
def test_validate_mobile_accepts_a_mainland_mobile_number(number):
    assert validate_mobile(number) is None


@pytest.mark.parametrize(
    "number",
    [
        "12812341234",  # second digit below 3
        "23812341234",  # does not start with 1
        "1381234123",  # 10 digits
        "138123412345",  # 12 digits
        "138-1234-1234",
        "+8613812341234",
        "0523-87654321",  # a landline
        "",
    ],
)
def test_validate_mobile_refuses_anything_else(number):
    code_name, messages = refusal(validate_mobile, number)

    assert (code_name, messages) == ("mobile", MOBILE)


# ---- masking -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [("13812341234", "138****1234"), ("", ""), ("123456", "****")],
)
def test_mask_phone_keeps_the_first_three_and_last_four_digits(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("11010519491231002X", "1101**********002X"),
        ("321283198001011234", "3212**********1234"),
        ("123456789", "1234*6789"),
        ("12345678", "****"),
        ("", ""),
    ],
)
def test_mask_id_number_keeps_the_first_and_last_four_characters(value, masked):
    assert mask_id_number(value) == masked
